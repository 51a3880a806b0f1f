/**
 * The show's HLS viewers, run in a process of their own (viewers-child.ts): 500 players polling a
 * live playlist and downloading every segment move tens of megabytes a second through Node's http
 * module, and in the load generator's own event loop they delayed every bid, like and chat message
 * the bench times (a bid's answer was measured from before the request was written to after its
 * response was read). Apart, the timed clients wait only for the platform.
 */
import { Agent, request } from 'node:http';

/** What the viewers saw, summed. */
export interface ViewerStats {
  playlistFetches: number;
  segmentFetches: number;
  segmentErrors: number;
  errorKinds: Record<string, number>;
  playlistErrors: number;
  bytes: number;
  segmentMs: number[];
}

/** Viewers `from` .. `from + count - 1` of the show, arriving over `arriveOverMs` and watching until `until` (epoch ms). */
export interface ViewerShare {
  playbackUrl: string;
  from: number;
  count: number;
  total: number;
  until: number;
  arriveOverMs: number;
}

/** Messages between show.ts and viewers-child.ts. */
export type ViewersMessage = { type: 'start'; share: ViewerShare } | { type: 'done'; stats: ViewerStats };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export const emptyViewerStats = (): ViewerStats => ({
  playlistFetches: 0,
  segmentFetches: 0,
  segmentErrors: 0,
  errorKinds: {},
  playlistErrors: 0,
  bytes: 0,
  segmentMs: [],
});

function httpGet(
  url: URL,
  agent: Agent,
  localAddress: string,
  timeoutMs: number,
): Promise<{ status: number; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { agent, localAddress, headers: { 'user-agent': 'show-night-viewer' }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/**
 * One viewer as an HLS player behaves: fetches the live playlist, starts three segments from the live
 * edge, downloads each new segment once, and polls the playlist again after one segment duration.
 * Each viewer connects from its own 127.x.y.z address, as viewers in different homes would.
 */
export async function viewer(i: number, playbackUrl: string, until: number, stats: ViewerStats): Promise<void> {
  const localAddress = `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const base = new URL(playbackUrl);
  const fetched = new Set<string>();
  let started = false;
  try {
    while (Date.now() < until) {
      const t0 = Date.now();
      let target = 0.5;
      try {
        const res = await httpGet(base, agent, localAddress, 5000);
        stats.playlistFetches++;
        if (res.status !== 200) throw new Error(String(res.status));
        const text = res.body.toString('utf8');
        target = Number(/#EXT-X-TARGETDURATION:(\d+(?:\.\d+)?)/.exec(text)?.[1] ?? 1);
        const segments = text.split('\n').filter((l) => l && !l.startsWith('#'));
        const todo = started ? segments.filter((s) => !fetched.has(s)) : segments.slice(-3);
        for (const s of started ? [] : segments.slice(0, -3)) fetched.add(s);
        started = true;
        for (const s of todo) {
          fetched.add(s);
          const s0 = performance.now();
          try {
            const seg = await httpGet(new URL(s, base), agent, localAddress, 5000);
            if (seg.status !== 200) throw new Error(String(seg.status));
            stats.segmentFetches++;
            stats.bytes += seg.body.length;
            stats.segmentMs.push(performance.now() - s0);
          } catch (error) {
            stats.segmentErrors++;
            stats.errorKinds[(error as Error).message] = (stats.errorKinds[(error as Error).message] ?? 0) + 1;
          }
        }
      } catch {
        stats.playlistErrors++;
      }
      // Players poll a live playlist about once per target duration (segments here are 0.5-1 s).
      await sleep(Math.max(50, Math.min(target, 1) * 1000 - (Date.now() - t0)));
    }
  } finally {
    agent.destroy();
  }
}

/** Runs a share of the viewers, each arriving at its place in the show's first `arriveOverMs`. */
export async function runViewers(share: ViewerShare): Promise<ViewerStats> {
  const stats = emptyViewerStats();
  await Promise.all(
    Array.from({ length: share.count }, async (_, k) => {
      const i = share.from + k;
      await sleep((i / Math.max(1, share.total)) * share.arriveOverMs);
      await viewer(i, share.playbackUrl, share.until, stats);
    }),
  );
  return stats;
}
