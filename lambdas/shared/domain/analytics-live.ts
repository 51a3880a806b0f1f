/**
 * Live stream figures (issue 17): per-stream, per-minute counters in the main table, written by the
 * ingest path and read by the report while the stream runs. Pure: keys, the shard a viewer's writes
 * go to, how one batch of stored events becomes counter deltas, and how the counters add up.
 *
 * A minute is an epoch minute (`floor(at_ms / 60000)`) of the event's corrected time. Concurrent
 * viewers in a minute are the distinct viewers with a presence event (view_start, heartbeat,
 * view_end) in it, unique viewers those with a presence event at all (the final report's
 * definitions). Each viewer of a stream has one item holding the minutes it was seen in and how far
 * its watching reaches; one conditional update per viewer and batch tells which minutes are new (a
 * duplicated or re-sent event adds nothing) and how much watch time the batch adds. Each viewer's
 * writes go to one of {@link COUNTER_SHARDS} shards, so a 10,000-viewer stream spreads its counter
 * updates over that many items (DynamoDB allows about 1,000 writes a second on one partition key).
 */
import type { AnalyticsEventType, StoredEvent } from './analytics-events';
import { HEARTBEAT_SECONDS, MAX_WATCH_GAP_SECONDS } from './analytics-events';

/** Shards of a stream's minute counters (and of its viewer items). */
export const COUNTER_SHARDS = 8;
/** Viewer items and counters expire (TTL) this long after their last write: the final report reads S3, not them. */
export const LIVE_ITEM_TTL_SECONDS = 3 * 24 * 3600;
/** Snapshots of a live report are taken every this many minutes of a stream. */
export const SNAPSHOT_EVERY_MINUTES = 5;

const pad = (n: number, width: number) => String(n).padStart(width, '0');

/** Epoch minute of a time in ms. */
export const minuteOf = (ms: number) => Math.floor(ms / 60_000);

/** FNV-1a over the id: a stable, well-spread shard for a viewer. */
export function shardOf(viewerId: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < viewerId.length; i++) {
    h ^= viewerId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % COUNTER_SHARDS;
}

/**
 * Minutes per counter item: a batch that spans minutes (a tracker back from a lost connection, the
 * ground-truth test's whole sessions) updates one item per shard and bucket, not one per minute.
 */
export const BUCKET_MINUTES = 10;
/** The first epoch minute of the bucket holding `minute`. */
export const bucketOf = (minute: number) => Math.floor(minute / BUCKET_MINUTES) * BUCKET_MINUTES;

/** Partition of a stream's live counters: `ASTAT#<streamId>`. */
export const liveCountersPk = (streamId: string) => `ASTAT#${streamId}`;
/** A bucket's counter shard: `ASTAT#<streamId>` / `B#<bucket's first epoch minute>#<shard>`. */
export const liveCounterKey = (streamId: string, bucket: number, shard: number) =>
  ({ PK: liveCountersPk(streamId), SK: `B#${pad(bucket, 10)}#${pad(shard, 2)}` }) as const;
/** The attribute of a counter item counting the viewers seen in `minute` (ADD). */
export const minuteViewersAttribute = (minute: number) => `viewers@${minute}`;
/** A viewer's state in a stream (minutes seen, watching reach): `AVWR#<streamId>#<shard>` / `<viewerId>`. */
export const viewerStateKey = (streamId: string, viewerId: string) =>
  ({ PK: `AVWR#${streamId}#${pad(shardOf(viewerId), 2)}`, SK: viewerId }) as const;
/** A stream's stored report (final, or the last live one): `STREAM#<streamId>` / `REPORT`. */
export const reportKey = (streamId: string) => ({ PK: `STREAM#${streamId}`, SK: 'REPORT' }) as const;
/** A 5-minute snapshot of a live report: `STREAM#<streamId>` / `SNAPSHOT#<at>`. */
export const snapshotKey = (streamId: string, at: string) =>
  ({ PK: `STREAM#${streamId}`, SK: `SNAPSHOT#${at}` }) as const;

/** Counter increments for one bucket shard. Product counters are `imp#<productId>` / `clk#<productId>` entries. */
export interface CounterDelta {
  /** The bucket's first epoch minute (bucketOf). */
  bucket: number;
  shard: number;
  /** Per epoch minute of the bucket: viewers seen in it for the first time. */
  viewers: Record<number, number>;
  /** Viewers seen in this stream for the first time. */
  uniqueViewers: number;
  views: number;
  likes: number;
  shares: number;
  /** Watch time this minute gained, in ms. */
  watchMs: number;
  products: Record<string, number>;
}

/** One viewer's presence events in one batch, oldest first. */
export interface ViewerBatch {
  streamId: string;
  viewerId: string;
  presence: { atMs: number; type: AnalyticsEventType }[];
  /** The distinct minutes of those events. */
  minutes: number[];
}

/** What the live counters keep per viewer and stream. */
export interface ViewerState {
  /** Epoch minutes the viewer was seen in. */
  minutes: ReadonlySet<number>;
  /** The newest presence event's time (ms) and whether it was a view_end. */
  untilMs: number | null;
  closed: boolean;
}

/** What one batch asks of the live counters. */
export interface LivePlan {
  /** Per stream and viewer: the presence events, applied to the viewer's state (applyPresence). */
  viewers: ViewerBatch[];
  /** Increments that need no viewer state (views, likes, shares, products), per stream, bucket and shard. */
  deltas: { streamId: string; delta: CounterDelta }[];
}

const PRESENCE = new Set<AnalyticsEventType>(['view_start', 'heartbeat', 'view_end']);
const MAX_GAP_MS = MAX_WATCH_GAP_SECONDS * 1000;
const AHEAD_MS = HEARTBEAT_SECONDS * 1000;

/** An empty delta for a bucket shard. */
export const emptyDelta = (bucket: number, shard: number): CounterDelta => ({
  bucket,
  shard,
  viewers: {},
  uniqueViewers: 0,
  views: 0,
  likes: 0,
  shares: 0,
  watchMs: 0,
  products: {},
});

/** The live counter writes one batch of accepted events asks for (duplicates within the batch folded). */
export function planLiveCounters(events: readonly StoredEvent[]): LivePlan {
  const viewers = new Map<string, ViewerBatch>();
  const deltas = new Map<string, { streamId: string; delta: CounterDelta }>();
  const seen = new Set<string>();
  for (const e of events) {
    if (seen.has(e.event_id)) continue;
    seen.add(e.event_id);
    const minute = minuteOf(e.at_ms);
    if (PRESENCE.has(e.type)) {
      const key = `${e.stream_id}\n${e.viewer_id}`;
      const v = viewers.get(key) ?? { streamId: e.stream_id, viewerId: e.viewer_id, presence: [], minutes: [] };
      v.presence.push({ atMs: e.at_ms, type: e.type });
      if (!v.minutes.includes(minute)) v.minutes.push(minute);
      viewers.set(key, v);
    }
    if (e.type === 'heartbeat' || e.type === 'view_end') continue;
    const shard = shardOf(e.viewer_id);
    const key = `${e.stream_id}#${bucketOf(minute)}#${shard}`;
    const entry = deltas.get(key) ?? { streamId: e.stream_id, delta: emptyDelta(bucketOf(minute), shard) };
    deltas.set(key, entry);
    const d = entry.delta;
    switch (e.type) {
      case 'view_start':
        d.views += 1;
        break;
      case 'like':
        d.likes += 1;
        break;
      case 'share':
        d.shares += 1;
        break;
      case 'product_impression':
      case 'product_click': {
        const name = `${e.type === 'product_impression' ? 'imp' : 'clk'}#${e.product_id}`;
        d.products[name] = (d.products[name] ?? 0) + 1;
        break;
      }
      default:
        break;
    }
  }
  for (const v of viewers.values()) {
    v.presence.sort((a, b) => a.atMs - b.atMs);
    v.minutes.sort((a, b) => a - b);
  }
  return { viewers: [...viewers.values()], deltas: [...deltas.values()] };
}

/** What a viewer's batch adds, given the viewer's state before it. */
export interface PresenceOutcome {
  /** The viewer was never seen in this stream before. */
  newViewer: boolean;
  /** Minutes the viewer was not seen in before. */
  newMinutes: number[];
  /** Watch time gained per minute (ms; negative where a credit ahead is taken back), by the minute of the event. */
  watchMs: Map<number, number>;
  /** The viewer's reach after the batch; undefined when the batch holds nothing newer. */
  next?: { untilMs: number; closed: boolean };
}

/**
 * Applies a viewer's presence events to its state. Watch time is the final report's rule: the time
 * between consecutive presence events of the viewer at most MAX_WATCH_GAP_SECONDS apart, never after
 * a view_end, counted once however many tabs overlap. Live, a viewer who is still watching is
 * credited up to its next expected heartbeat (HEARTBEAT_SECONDS ahead of its newest event), so the
 * report keeps up with someone who has watched for a minute instead of lagging a heartbeat and a
 * flush behind; the next event settles it: a view_end or a gap of more than MAX_WATCH_GAP_SECONDS
 * takes back what was credited ahead (a negative delta). How far a viewer is credited follows from
 * its state alone (its newest event's time, and whether that was a view_end), so one conditional
 * update per batch keeps it. Events older than the newest one seen (a late retry, a lagging tab) add
 * nothing; the final report, which sorts every event, refines them.
 */
export function applyPresence(batch: ViewerBatch, before: ViewerState | undefined): PresenceOutcome {
  const known = before?.minutes ?? new Set<number>();
  let until = before?.untilMs ?? null;
  let closed = before?.closed ?? false;
  const watchMs = new Map<number, number>();
  const add = (atMs: number, ms: number) => {
    if (ms === 0) return;
    const minute = minuteOf(atMs);
    watchMs.set(minute, (watchMs.get(minute) ?? 0) + ms);
  };
  let moved = false;
  for (const p of batch.presence) {
    if (until !== null && p.atMs <= until) continue;
    let creditedTo = p.atMs;
    if (until !== null) {
      const credited = closed ? until : until + AHEAD_MS;
      if (!closed && p.atMs - until <= MAX_GAP_MS) {
        // Watching all along: credit what the last credit ahead did not reach.
        add(p.atMs, Math.max(0, p.atMs - credited));
        creditedTo = Math.max(credited, p.atMs);
      } else {
        // Not watching since `until`: take back the credit ahead.
        add(p.atMs, until - credited);
      }
    }
    const next = p.type === 'view_end' ? p.atMs : p.atMs + AHEAD_MS;
    add(p.atMs, next - creditedTo);
    until = p.atMs;
    closed = p.type === 'view_end';
    moved = true;
  }
  return {
    newViewer: !before || before.minutes.size === 0,
    newMinutes: batch.minutes.filter((m) => !known.has(m)),
    watchMs,
    ...(moved && until !== null ? { next: { untilMs: until, closed } } : {}),
  };
}

/** A counter shard as read back. */
export interface CounterItem {
  SK: string;
  /** Earlier versions' minute items: viewers of the item's minute. */
  viewers?: number;
  views?: number;
  likes?: number;
  shares?: number;
  watchMs?: number;
  /** Earlier versions' watch time: 30 s per heartbeat. */
  watchSeconds?: number;
  uniqueViewers?: number;
  [attribute: string]: unknown;
}

/** A stream's live figures summed over shards. */
export interface LiveTotals {
  /** Distinct viewers per epoch minute, ascending. */
  perMinute: { minute: number; viewers: number }[];
  views: number;
  uniqueViewers: number;
  likes: number;
  shares: number;
  watchSeconds: number;
  products: Map<string, { impressions: number; clicks: number }>;
}

/** Adds up the counter shards of one stream (a Query of its `ASTAT#` partition). */
export function sumLiveCounters(items: readonly CounterItem[]): LiveTotals {
  const perMinute = new Map<number, number>();
  const totals: LiveTotals = {
    perMinute: [],
    views: 0,
    uniqueViewers: 0,
    likes: 0,
    shares: 0,
    watchSeconds: 0,
    products: new Map(),
  };
  for (const item of items) {
    // Streams counted by earlier versions keep unique viewers on `TOTAL#<shard>` and minutes on `M#<minute>#<shard>`.
    if (item.SK.startsWith('TOTAL#')) {
      totals.uniqueViewers += item.uniqueViewers ?? 0;
      continue;
    }
    if (item.SK.startsWith('M#')) {
      const minute = Number(item.SK.split('#')[1]);
      perMinute.set(minute, (perMinute.get(minute) ?? 0) + (item.viewers ?? 0));
    }
    totals.uniqueViewers += item.uniqueViewers ?? 0;
    totals.views += item.views ?? 0;
    totals.likes += item.likes ?? 0;
    totals.shares += item.shares ?? 0;
    totals.watchSeconds += (item.watchMs ?? 0) / 1000 + (item.watchSeconds ?? 0);
    for (const [name, value] of Object.entries(item)) {
      if (name.startsWith('viewers@') && typeof value === 'number') {
        const minute = Number(name.slice('viewers@'.length));
        perMinute.set(minute, (perMinute.get(minute) ?? 0) + value);
        continue;
      }
      const [kind, productId] = name.split('#');
      if ((kind !== 'imp' && kind !== 'clk') || !productId || typeof value !== 'number') continue;
      const p = totals.products.get(productId) ?? { impressions: 0, clicks: 0 };
      if (kind === 'imp') p.impressions += value;
      else p.clicks += value;
      totals.products.set(productId, p);
    }
  }
  totals.perMinute = [...perMinute.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([minute, viewers]) => ({ minute, viewers }));
  return totals;
}

/**
 * The latest snapshot mark at or before `nowMs` (every {@link SNAPSHOT_EVERY_MINUTES} minutes from
 * the start), or undefined in the first ones. A run that misses a minute still takes the snapshot
 * on its next run; the snapshot item is written once per mark.
 */
export function latestSnapshotMark(startedAtMs: number, nowMs: number): string | undefined {
  const elapsed = minuteOf(nowMs) - minuteOf(startedAtMs);
  if (elapsed < SNAPSHOT_EVERY_MINUTES) return undefined;
  const mark = minuteOf(startedAtMs) + Math.floor(elapsed / SNAPSHOT_EVERY_MINUTES) * SNAPSHOT_EVERY_MINUTES;
  return new Date(mark * 60_000).toISOString();
}
