/**
 * The local mode in a process of its own for the show-night load test, so its CPU and memory (this
 * node process and its children: DynamoDB Local's java, cognito-local, the HLS ffmpeg) are measured
 * apart from the load generator. Started with an IPC channel by show.ts: answers `ready` with the
 * endpoints, `settled` after each `settle` request, and stops when asked or when the parent goes away
 * (IPC disconnect), so a crashed or killed load test leaves nothing running. An uncaught error is
 * sent to the parent as `failed` before this process exits, so the bench can say why it ended.
 */
import { startLocalPlatform, type Endpoints } from '../../../local/start';

/** Messages the child sends to its parent. */
export type ChildMessage =
  | { type: 'ready'; endpoints: Endpoints; userPoolId: string; userPoolClientId: string; dataDir: string }
  | { type: 'settled' }
  | { type: 'log'; line: string }
  | { type: 'failed'; error: string };

/** Messages the parent sends to the child. */
export type ParentMessage = { type: 'settle' } | { type: 'stop' };

const send = (m: ChildMessage) => process.send?.(m);
const dataDir = process.env.SHOW_NIGHT_DATA_DIR;
if (!dataDir || !process.send)
  throw new Error('platform-child runs under show.ts (IPC channel and SHOW_NIGHT_DATA_DIR)');

// Whatever ends this process mid-show is told to the bench first (its stderr is a tail and may be full of logs).
const fatal = (kind: string) => (error: unknown) => {
  send({ type: 'failed', error: `${kind}: ${(error as Error)?.stack ?? String(error)}` });
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 200).unref();
};
process.on('uncaughtException', fatal('uncaught exception'));
process.on('unhandledRejection', fatal('unhandled rejection'));

const platform = await startLocalPlatform({
  dataDir,
  ports: 'free',
  web: false,
  scheduleEveryMs: Number(process.env.SHOW_NIGHT_SCHEDULE_MS ?? 2000),
  // Every simulated viewer calls from 127.0.0.1; in AWS each has an address of their own, well under the per-IP limit.
  rateLimit: 'off',
  log: (line) => send({ type: 'log', line }),
}).catch((error: unknown) => {
  send({ type: 'failed', error: (error as Error).stack ?? String(error) });
  process.exit(1);
});

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await platform.stop().catch(() => undefined);
  process.exit(0);
};
process.on('disconnect', () => void stop());
process.on('SIGTERM', () => void stop());
process.on('message', (m: ParentMessage) => {
  if (m.type === 'stop') void stop();
  else if (m.type === 'settle') void platform.settled().then(() => send({ type: 'settled' }));
});
send({
  type: 'ready',
  endpoints: platform.endpoints,
  userPoolId: platform.userPoolId,
  userPoolClientId: platform.userPoolClientId,
  dataDir: platform.dataDir,
});
