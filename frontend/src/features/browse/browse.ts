import type { Recording } from '../../lib/types';
import type { Streamer, StreamStatusLike } from './types';

/**
 * When to look for the replay of a stream that just ended, ms after the OFFLINE event: the
 * recording is listed once IVS has finished writing it (seconds locally, up to a minute on AWS).
 */
export const REPLAY_CHECK_DELAYS_MS = [2_000, 5_000, 10_000, 20_000, 40_000] as const;

/**
 * Whether the replays list already holds the recording of the stream that ended: by stream id, or
 * without one, a recording of the channel that ended at most two minutes before the event (an
 * older replay of the channel is not it).
 */
export function hasReplayOf(
  list: readonly Recording[],
  ended: { streamId?: string | null; channelId: string; at?: string | null },
): boolean {
  if (ended.streamId) return list.some((r) => r.streamId === ended.streamId);
  if (!ended.at) return false;
  const since = Date.parse(ended.at) - 120_000;
  return list.some((r) => r.userId === ended.channelId && !!r.endedAt && Date.parse(r.endedAt) >= since);
}

/** Applies a stream status event to the live list: drop on OFFLINE, mark for refetch on an unknown LIVE. */
export function applyStatus(list: Streamer[], ev: StreamStatusLike): { list: Streamer[]; refetch: boolean } {
  if (ev.status === 'OFFLINE') return { list: list.filter((s) => s.userId !== ev.channelId), refetch: false };
  const known = list.find((s) => s.userId === ev.channelId);
  if (!known) return { list, refetch: true };
  return {
    list: list.map((s) =>
      s.userId === ev.channelId ? { ...s, title: ev.title ?? s.title ?? null, status: 'LIVE' as const } : s,
    ),
    refetch: false,
  };
}

/** Distinct categories and tags present in the live list, for the filter chips. */
export function facets(list: Streamer[]): { categories: string[]; tags: string[] } {
  const categories = new Set<string>();
  const tags = new Set<string>();
  for (const s of list) {
    if (s.category) categories.add(s.category);
    for (const t of s.tags ?? []) tags.add(t);
  }
  return { categories: [...categories].sort(), tags: [...tags].sort() };
}

/** Reads filters from the URL so filtered views are linkable and work before JavaScript. */
export function filtersFromSearch(search: string): { category: string | null; tag: string | null } {
  const p = new URLSearchParams(search);
  return { category: p.get('category') || null, tag: p.get('tag') || null };
}

/** How often a live tile asks for the channel's latest thumbnail again (IVS rewrites it in place). */
export const LIVE_THUMBNAIL_REFRESH_MS = 30_000;

/**
 * The picture for a stream tile: while live, the recording's latest thumbnail, with a query that
 * changes every LIVE_THUMBNAIL_REFRESH_MS so caches do not keep an old frame; else the streamer's own
 * thumbnail. Undefined when there is none (the tile shows initials).
 */
export function tileImage(
  s: Pick<Streamer, 'status' | 'thumbnailUrl' | 'liveThumbnailUrl'>,
  now: number,
): string | undefined {
  if (s.status === 'LIVE' && s.liveThumbnailUrl) {
    const sep = s.liveThumbnailUrl.includes('?') ? '&' : '?';
    return `${s.liveThumbnailUrl}${sep}t=${Math.floor(now / LIVE_THUMBNAIL_REFRESH_MS)}`;
  }
  return s.thumbnailUrl ?? undefined;
}
