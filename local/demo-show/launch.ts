/**
 * Starts the demo's show (main.ts) as a child process of the local mode, under the same guard as its
 * other children (it ends with the local mode however that ends), relays what it says, and hands
 * over the facts it reports. The child gets the web app's address and the outbox directory, nothing
 * else: the same two things a visitor has.
 */
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { spawnGuarded } from '../process/children';
import type { DemoAccount } from './accounts';

const MAIN = join(import.meta.dirname, 'main.ts');
const ROOT = join(import.meta.dirname, '..', '..');

/** What the show reports, as `@@demo <json>` lines. */
export type DemoEvent =
  | { type: 'accounts'; obs: { handle: string; ingestServer: string; streamKey: string } }
  | { type: 'past-show'; recordingId: string; created: boolean }
  | { type: 'past-show-failed'; reason: string }
  | { type: 'cpu'; oneCore: number; machine: number; cores: number };

export interface DemoShowOptions {
  readonly webUrl: string;
  readonly outboxDir: string;
  /** No simulated audience, only the past show. @default false */
  readonly quiet?: boolean;
  /** Leave the past show out. @default false */
  readonly pastShow?: boolean;
  /** The live streamer the audience watches. @default the demo streamer */
  readonly streamer?: DemoAccount;
  /** Where the child's sentences go. */
  readonly say: (line: string) => void;
  /** Pid file for a later start to clear a leftover show. */
  readonly pidFile?: string;
}

export interface DemoShow {
  /** The first report of each type (resolves once it arrives). */
  next<T extends DemoEvent['type']>(type: T, timeoutMs?: number): Promise<Extract<DemoEvent, { type: T }>>;
  readonly events: readonly DemoEvent[];
  /** Ended (stopped, or --quiet done). */
  readonly exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after 3 s: every loop, chat socket and ffmpeg of the show ends. */
  stop(): Promise<void>;
}

/** Spawns the show and starts relaying its output. */
export function launchDemoShow(opts: DemoShowOptions): DemoShow {
  const args = [
    '--import',
    'tsx',
    MAIN,
    '--web',
    opts.webUrl,
    '--outbox',
    opts.outboxDir,
    ...(opts.quiet ? ['--quiet'] : []),
    ...(opts.pastShow === false ? ['--no-past-show'] : []),
    ...(opts.streamer ? ['--streamer', opts.streamer.email, '--handle', opts.streamer.handle] : []),
  ];
  const child = spawnGuarded(process.execPath, args, {
    cwd: ROOT,
    pidFile: opts.pidFile,
    env: { ...process.env, ...(opts.streamer ? { DEMO_STREAMER_PASSWORD: opts.streamer.password } : {}) },
  });
  const events: DemoEvent[] = [];
  const waiters: { type: string; resolve(e: DemoEvent): void }[] = [];
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    if (!line.startsWith('@@demo ')) return opts.say(line);
    const event = JSON.parse(line.slice('@@demo '.length)) as DemoEvent;
    events.push(event);
    for (const w of waiters.filter((x) => x.type === event.type)) w.resolve(event);
  });
  // The show's own failures (an uncaught error) read as such, not as the platform's.
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on('line', (line) =>
    opts.say(`demo show: ${line}`),
  );
  return {
    events,
    exited,
    next(type, timeoutMs = 60_000) {
      const seen = events.find((e) => e.type === type);
      if (seen) return Promise.resolve(seen as never);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the demo show reported no ${type} within ${timeoutMs / 1000} s`)),
          timeoutMs,
        );
        void exited.then(() => reject(new Error(`the demo show ended before it reported ${type}`)));
        waiters.push({
          type,
          resolve: (e) => {
            clearTimeout(timer);
            resolve(e as never);
          },
        });
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killed = setTimeout(() => child.kill('SIGKILL'), 3_000);
      await exited;
      clearTimeout(killed);
    },
  };
}
