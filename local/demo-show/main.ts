/**
 * The demo's show, as a program of its own: `node --import tsx local/demo-show/main.ts --web <url>
 * --outbox <dir> [--quiet] [--no-past-show] [--streamer <email> --handle <handle>]` (password in
 * DEMO_STREAMER_PASSWORD). It is given nothing but the web app's address and the outbox where
 * confirmation codes appear, what a visitor has, and reaches the platform only through what that
 * page's runtime config names, so it runs as well against any local mode started without `--demo`.
 *
 * It seeds the past show (past-show.ts) and, unless --quiet, runs the audience (audience.ts).
 * Progress goes to stdout as sentences; facts the launcher needs as `@@demo <json>` lines
 * (launch.ts reads them). SIGTERM stops every loop and the past show's ffmpeg.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { AUDIENCE, DEMO_STREAMER, PAST_SHOW_STREAMER, type DemoAccount } from './accounts';
import { startAudience, type Audience } from './audience';
import { Q } from '../../frontend/src/lib/queries';
import { ensureProfile, seedPastShow } from './past-show';
import { loadRuntimeConfig, UserSession } from './session';
import type { DemoEvent } from './launch';

const { values } = parseArgs({
  options: {
    web: { type: 'string' },
    outbox: { type: 'string' },
    quiet: { type: 'boolean', default: false },
    'no-past-show': { type: 'boolean', default: false },
    streamer: { type: 'string' },
    handle: { type: 'string' },
  },
});
if (!values.web || !values.outbox) {
  console.error(
    'usage: main.ts --web <web app URL> --outbox <dir> [--quiet] [--no-past-show] [--streamer <email> --handle <handle>]',
  );
  process.exit(2);
}
const outboxDir = values.outbox;
const streamer: DemoAccount = values.streamer
  ? {
      email: values.streamer,
      handle: values.handle ?? values.streamer.split('@')[0] ?? 'streamer',
      password: process.env.DEMO_STREAMER_PASSWORD ?? '',
    }
  : DEMO_STREAMER;
const say = (line: string) => console.log(line);
const emit = (event: DemoEvent) => console.log(`@@demo ${JSON.stringify(event)}`);
const stopping = new AbortController();
let audience: Audience | undefined;

const shutdown = () => {
  stopping.abort();
  audience?.stop();
  // Chat sockets close and the past show's ffmpeg is killed; then nothing is left to wait for.
  setTimeout(() => process.exit(0), 200).unref();
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);

/** The runtime config, once the web server answers (it may still be starting). */
async function config() {
  for (let attempt = 0; ; attempt++) {
    try {
      return await loadRuntimeConfig(values.web as string);
    } catch (error) {
      if (attempt >= 60) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** Signs `account` up or in, trying again on a failure (Cognito and its triggers may be busy at start). */
async function open(account: DemoAccount): Promise<UserSession> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await UserSession.open(cfg, account, outboxDir);
    } catch (error) {
      if (attempt >= 4)
        throw new Error(
          `signing in @${account.handle} failed: ${error instanceof Error ? error.message : String(error)}`,
        );
      await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
    }
  }
}

const cfg = await config();
// Her stream key goes into the "what to try" list, which waits for it: she comes first, the viewers meanwhile.
const viewersReady = Promise.all(AUDIENCE.map(async (persona) => ({ user: await open(persona), persona })));
viewersReady.catch(() => undefined);
const vera = await open(PAST_SHOW_STREAMER);
await ensureProfile(vera);
const key = (await vera.call(Q.myStreamKey, {})).myStreamKey;
emit({
  type: 'accounts',
  obs: {
    handle: vera.handle,
    ingestServer: cfg.ingestServer ?? key?.ingestServer ?? '',
    streamKey: key?.streamKey ?? '',
  },
});

// The past show starts at once; its buyers are needed only at its first sale.
const pastShow = values['no-past-show']
  ? Promise.resolve()
  : seedPastShow({
      streamer: vera,
      buyers: async () => (await viewersReady).map((v) => v.user),
      signal: stopping.signal,
    })
      .then((r) => {
        emit({ type: 'past-show', recordingId: r.recordingId, created: r.created });
        if (r.created)
          say(
            `Past show ready: ${(values.web as string).replace(/\/$/, '')}/replay/?id=${encodeURIComponent(r.recordingId)} (three sales on its timeline)`,
          );
      })
      .catch((error: unknown) => {
        if (stopping.signal.aborted) return;
        const reason = error instanceof Error ? error.message : String(error);
        emit({ type: 'past-show-failed', reason });
        say(`The past show could not be made (${reason}); the next start tries again.`);
      });

if (values.quiet) {
  await pastShow;
  process.exit(0);
}
const viewers = await viewersReady;

try {
  audience = await startAudience({ config: cfg, outboxDir, streamer, viewers, say });
} catch (error) {
  say(
    `The simulated audience could not start (${error instanceof Error ? error.message : String(error)}); the demo goes on without it.`,
  );
  await pastShow;
  process.exit(1);
}
// Their share of the machine over their first 20 s of show (this process: the past show's requests, when it is
// still being made, count too; its ffmpeg does not).
const cpu0 = process.cpuUsage();
const t0 = performance.now();
setTimeout(() => {
  const used = process.cpuUsage(cpu0);
  const core = (used.user + used.system) / 1000 / (performance.now() - t0);
  const cores = availableParallelism();
  emit({ type: 'cpu', oneCore: core, machine: core / cores, cores });
  say(
    `Simulated audience: ${audience?.bots.length ?? 0} viewers use ${(core * 100).toFixed(1)}% of one core (${((core / cores) * 100).toFixed(1)}% of this machine's ${cores} cores), measured over 20 s.`,
  );
}, 20_000).unref();
