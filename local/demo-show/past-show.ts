/**
 * A show that already happened, made the way a real one is: the second streamer (@vera_vintage)
 * signs up, sets up her profile, schedules her next show, streams a short test pattern from ffmpeg
 * over RTMP into the local IVS, which records it, and three viewers buy her three items during it,
 * so the replay has three sales at their real moments on its timeline. Nothing is written to a
 * table directly. Safe to run at every start: a finished show with its three sales is left alone,
 * the profile and schedule are only filled in where missing.
 */
import type { ChildProcess } from 'node:child_process';
import { provisionChannel } from '../client';
import { spawnGuarded } from '../process/children';
import { M, Q } from '../../frontend/src/lib/queries';
import type { CreateProductInput } from '../../frontend/src/lib/graphql/schema-types';
import type { Recording } from '../../frontend/src/lib/types';
import { PAST_SHOW_STREAMER } from './accounts';
import { canDrawClock, testPatternArgs } from './clock';
import type { UserSession } from './session';
import { readProducts } from './show';

/** The show that happened: what it was called, what sold, and when in it. */
export const PAST_SHOW = {
  title: 'Sunday closet clear-out',
  category: 'Fashion',
  tags: ['vintage', 'accessories'],
  /** Seconds after the recording is seen to start at which each item is bought. */
  saleAtSeconds: [1, 4, 7],
  /** Seconds the stream goes on after the last sale. */
  tailSeconds: 4,
  items: [
    {
      title: 'Pleated wool skirt',
      type: 'APPAREL',
      params: JSON.stringify({ size: 'S', colour: 'Camel' }),
      buyNowPrice: 3200,
    },
    { title: 'Cat-eye sunglasses', type: 'GENERIC', buyNowPrice: 1500 },
    { title: 'Beaded evening bag', type: 'GENERIC', buyNowPrice: 2600 },
  ] as const satisfies readonly Omit<CreateProductInput, 'channelId' | 'currency' | 'saleMode'>[],
  next: { title: "Vera's Friday vintage drop", category: 'Fashion' },
} as const;

export interface PastShowResult {
  readonly recordingId: string;
  /** False when a finished show was already there. */
  readonly created: boolean;
}

export interface PastShowOptions {
  readonly streamer: UserSession;
  /** Three viewers who buy during the show (awaited only when the first sale is due). */
  readonly buyers: () => Promise<readonly UserSession[]>;
  readonly signal?: AbortSignal;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(t);
        resolve();
      },
      { once: true },
    );
  });

/** Polls `probe` every `everyMs` until it answers something, for at most `ms`. */
async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  ms: number,
  signal?: AbortSignal,
  everyMs = 500,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    if (signal?.aborted) throw new Error('stopped');
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what} did not happen within ${Math.round(ms / 1000)} s`);
    await sleep(everyMs, signal);
  }
}

/** 19:00 local time tomorrow, the next show's start. */
export function nextShowStart(now: Date): Date {
  const d = new Date(now);
  d.setDate(d.getDate() + 1);
  d.setHours(19, 0, 0, 0);
  return d;
}

/** Her channel, profile and next scheduled show: created or completed, never duplicated. */
export async function ensureProfile(vera: UserSession, now = new Date()): Promise<void> {
  await provisionChannel(vera.config.graphqlUrl, await vera.token(), vera.handle);
  const { me } = await vera.call(Q.me, {});
  if (!me?.title || !me.displayName) {
    await vera.call(M.updateStreamDetails, {
      input: {
        displayName: PAST_SHOW_STREAMER.displayName,
        title: PAST_SHOW.title,
        category: PAST_SHOW.category,
        tags: [...PAST_SHOW.tags],
        language: 'en',
        goingLiveMessage: 'Vera is live with new vintage finds!',
      },
    });
  }
  const upcoming = (me?.schedule ?? []).some((s) => !s.cancelled && Date.parse(s.startsAt) > now.getTime());
  if (!upcoming)
    await vera.call(M.scheduleStream, { input: { ...PAST_SHOW.next, startsAt: nextShowStart(now).toISOString() } });
}

/** Her finished show with (at least) three sales, if there is one. */
async function finishedShow(vera: UserSession): Promise<Recording | undefined> {
  const { recordings } = await vera.call(Q.recordings, { userId: vera.userId });
  return recordings.items.find((r) => r.state === 'AVAILABLE' && r.saleCount >= PAST_SHOW.items.length);
}

/**
 * Makes sure the past show exists: answers its recording, streaming and selling it first when it
 * does not. Her channel must exist (ensureProfile).
 */
export async function seedPastShow(opts: PastShowOptions): Promise<PastShowResult> {
  const vera = opts.streamer;
  const { signal } = opts;
  const done = await finishedShow(vera);
  if (done) return { recordingId: done.recordingId, created: false };

  // Items left unsold by an earlier attempt are sold now; sold ones are put up again.
  const have = await readProducts(vera, vera.userId);
  const items = [];
  for (const item of PAST_SHOW.items) {
    const unsold = have.find((p) => p.title === item.title && p.status === 'DRAFT');
    items.push(
      unsold ??
        (
          await vera.call(M.createProduct, {
            input: { ...item, channelId: vera.userId, currency: 'USD', saleMode: 'BUY_NOW' },
          })
        ).createProduct,
    );
  }
  const before = new Set(
    (await vera.call(Q.recordings, { userId: vera.userId })).recordings.items.map((r) => r.recordingId),
  );
  const { myStreamKey } = await vera.call(Q.myStreamKey, {});
  if (!myStreamKey) throw new Error('her stream key is missing');
  const ingest = vera.config.ingestServer ?? myStreamKey.ingestServer;
  // It streams until the sales are done: on a busy machine going live and the recording's start take seconds longer.
  const ffmpeg: ChildProcess = spawnGuarded(
    'ffmpeg',
    [
      ...testPatternArgs({
        size: '640x360',
        fps: 16,
        keyframeSeconds: 0.5,
        videoKbps: 500,
        seconds: 120,
        clock: canDrawClock(),
      }),
      '-f',
      'flv',
      `${ingest}${myStreamKey.streamKey}`,
    ],
    { stdout: 'ignore', stderr: 'ignore' },
  );
  const ended = new Promise<void>((resolve) => ffmpeg.once('exit', () => resolve()));
  const stop = () => ffmpeg.kill('SIGKILL');
  signal?.addEventListener('abort', stop, { once: true });
  try {
    // The recording's start is what sales measure their offset from: sell only once it is indexed.
    const recording = await until(
      'the recording to start',
      async () => {
        const { recordings } = await vera.call(Q.recordings, { userId: vera.userId });
        return recordings.items.find((r) => !before.has(r.recordingId) && r.state === 'RECORDING');
      },
      60_000,
      signal,
    );
    const seenAt = Date.now();
    const buyers = await opts.buyers();
    for (const [i, item] of items.entries()) {
      const buyer = buyers[i];
      if (!buyer) throw new Error(`the past show needs ${items.length} buyers`);
      await sleep(Math.max(0, seenAt + (PAST_SHOW.saleAtSeconds[i] ?? 0) * 1000 - Date.now()), signal);
      await buyer.call(M.buyNow, { id: item.productId });
    }
    await sleep(PAST_SHOW.tailSeconds * 1000, signal);
    // SIGINT: ffmpeg ends the RTMP stream cleanly, as OBS's "Stop streaming" does.
    ffmpeg.kill('SIGINT');
    await ended;
    await until(
      'the recording to be ready',
      async () => {
        const { replay } = await vera.call(Q.replay, { id: recording.recordingId });
        return replay?.recording.state === 'AVAILABLE' && replay.sales.length >= items.length ? replay : undefined;
      },
      60_000,
      signal,
    );
    return { recordingId: recording.recordingId, created: true };
  } finally {
    signal?.removeEventListener('abort', stop);
    if (ffmpeg.exitCode === null) stop();
  }
}
