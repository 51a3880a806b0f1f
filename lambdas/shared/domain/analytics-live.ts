/**
 * Live stream figures (issue 17): per-stream, per-minute counters in the main table, written by the
 * ingest path and read by the report while the stream runs. Pure: keys, the shard a viewer's writes
 * go to, how one batch of stored events becomes counter deltas, and how the counters add up.
 *
 * A minute is an epoch minute (`floor(at_ms / 60000)`) of the event's corrected time. Concurrent
 * viewers in a minute are the distinct viewers with a presence event (view_start, heartbeat,
 * view_end) in it: a marker item per viewer and minute makes a duplicated or re-sent event count
 * once, and only a marker's first write adds to the counter. Each viewer's writes go to one of
 * {@link COUNTER_SHARDS} shards, so a 10,000-viewer stream spreads its counter updates over that
 * many items (DynamoDB allows about 1,000 writes a second on one partition key).
 */
import type { StoredEvent } from './analytics-events';
import { HEARTBEAT_SECONDS } from './analytics-events';

/** Shards of a stream's minute counters (and of its presence markers). */
export const COUNTER_SHARDS = 8;
/** Markers and counters expire (TTL) this long after their minute: the final report reads S3, not them. */
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

/** Partition of a stream's live counters: `ASTAT#<streamId>`. */
export const liveCountersPk = (streamId: string) => `ASTAT#${streamId}`;
/** A minute's counter shard: `ASTAT#<streamId>` / `M#<epoch minute>#<shard>`. */
export const liveCounterKey = (streamId: string, minute: number, shard: number) =>
  ({ PK: liveCountersPk(streamId), SK: `M#${pad(minute, 10)}#${pad(shard, 2)}` }) as const;
/** The stream-wide counter shard (unique viewers): `ASTAT#<streamId>` / `TOTAL#<shard>`. */
export const liveTotalKey = (streamId: string, shard: number) =>
  ({ PK: liveCountersPk(streamId), SK: `TOTAL#${pad(shard, 2)}` }) as const;
/** Presence marker of a viewer in a minute: `APRES#<streamId>#<minute>#<shard>` / `<viewerId>`. */
export const presenceMarkerKey = (streamId: string, minute: number, viewerId: string) =>
  ({ PK: `APRES#${streamId}#${minute}#${pad(shardOf(viewerId), 2)}`, SK: viewerId }) as const;
/** Marker of a viewer seen in a stream (unique viewers): `AVWR#<streamId>#<shard>` / `<viewerId>`. */
export const viewerMarkerKey = (streamId: string, viewerId: string) =>
  ({ PK: `AVWR#${streamId}#${pad(shardOf(viewerId), 2)}`, SK: viewerId }) as const;
/** A stream's stored report (final, or the last live one): `STREAM#<streamId>` / `REPORT`. */
export const reportKey = (streamId: string) => ({ PK: `STREAM#${streamId}`, SK: 'REPORT' }) as const;
/** A 5-minute snapshot of a live report: `STREAM#<streamId>` / `SNAPSHOT#<at>`. */
export const snapshotKey = (streamId: string, at: string) =>
  ({ PK: `STREAM#${streamId}`, SK: `SNAPSHOT#${at}` }) as const;

/** Counter increments for one minute shard. Product counters are `imp#<productId>` / `clk#<productId>` entries. */
export interface CounterDelta {
  minute: number;
  shard: number;
  views: number;
  likes: number;
  shares: number;
  watchSeconds: number;
  products: Record<string, number>;
}

/** What one batch asks of the live counters: presence markers to try, and increments. */
export interface LivePlan {
  /** One per (stream, minute, viewer): counted only when the marker is new. */
  presence: { streamId: string; minute: number; viewerId: string }[];
  /** Viewers who started a view: each counts once towards unique viewers when its marker is new. */
  viewers: { streamId: string; viewerId: string }[];
  /** Increments per stream, minute and shard. */
  deltas: { streamId: string; delta: CounterDelta }[];
}

/** The live counter writes one batch of accepted events asks for (duplicates within the batch folded). */
export function planLiveCounters(events: readonly StoredEvent[]): LivePlan {
  const presence = new Map<string, LivePlan['presence'][number]>();
  const viewers = new Map<string, LivePlan['viewers'][number]>();
  const deltas = new Map<string, { streamId: string; delta: CounterDelta }>();
  const seen = new Set<string>();
  for (const e of events) {
    if (seen.has(e.event_id)) continue;
    seen.add(e.event_id);
    const minute = minuteOf(e.at_ms);
    const shard = shardOf(e.viewer_id);
    const key = `${e.stream_id}#${minute}#${shard}`;
    let entry = deltas.get(key);
    if (!entry) {
      entry = {
        streamId: e.stream_id,
        delta: { minute, shard, views: 0, likes: 0, shares: 0, watchSeconds: 0, products: {} },
      };
      deltas.set(key, entry);
    }
    const d = entry.delta;
    if (e.type === 'view_start' || e.type === 'heartbeat' || e.type === 'view_end') {
      presence.set(`${e.stream_id}#${minute}#${e.viewer_id}`, { streamId: e.stream_id, minute, viewerId: e.viewer_id });
    }
    switch (e.type) {
      case 'view_start':
        d.views += 1;
        viewers.set(`${e.stream_id}#${e.viewer_id}`, { streamId: e.stream_id, viewerId: e.viewer_id });
        break;
      case 'heartbeat':
        d.watchSeconds += HEARTBEAT_SECONDS;
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
  return { presence: [...presence.values()], viewers: [...viewers.values()], deltas: [...deltas.values()] };
}

/** A counter shard as read back. */
export interface CounterItem {
  SK: string;
  viewers?: number;
  views?: number;
  likes?: number;
  shares?: number;
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
    if (item.SK.startsWith('TOTAL#')) {
      totals.uniqueViewers += item.uniqueViewers ?? 0;
      continue;
    }
    const minute = Number(item.SK.split('#')[1]);
    perMinute.set(minute, (perMinute.get(minute) ?? 0) + (item.viewers ?? 0));
    totals.views += item.views ?? 0;
    totals.likes += item.likes ?? 0;
    totals.shares += item.shares ?? 0;
    totals.watchSeconds += item.watchSeconds ?? 0;
    for (const [name, value] of Object.entries(item)) {
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
