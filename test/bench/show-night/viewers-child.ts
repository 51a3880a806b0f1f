/**
 * The show's HLS viewers in a process apart from the load generator (see viewers.ts for why): gets
 * its share over IPC, answers `done` with the stats, and ends with its parent (IPC disconnect).
 */
import { runViewers, type ViewersMessage } from './viewers';

if (!process.send) throw new Error('viewers-child runs under show.ts (IPC channel)');
process.on('disconnect', () => process.exit(0));
process.on('message', (m: ViewersMessage) => {
  if (m.type !== 'start') return;
  void runViewers(m.share).then((stats) => {
    process.send?.({ type: 'done', stats } satisfies ViewersMessage, () => process.exit(0));
  });
});
