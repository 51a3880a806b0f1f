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
export function hasReplayOf(list: readonly Recording[], ended: { streamId?: string | null; channelId: string; at?: string | null }): boolean {
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
  return { list: list.map((s) => (s.userId === ev.channelId ? { ...s, title: ev.title ?? s.title ?? null, status: 'LIVE' as const } : s)), refetch: false };
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
