import type { Streamer, StreamStatusLike } from './types';

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

/** How often a live tile asks for the channel's latest thumbnail again (IVS rewrites it in place). */
export const LIVE_THUMBNAIL_REFRESH_MS = 30_000;

/**
 * The picture for a stream tile: while live, the recording's latest thumbnail, with a query that
 * changes every LIVE_THUMBNAIL_REFRESH_MS so caches do not keep an old frame; else the streamer's own
 * thumbnail. Undefined when there is none (the tile shows initials).
 */
export function tileImage(s: Pick<Streamer, 'status' | 'thumbnailUrl' | 'liveThumbnailUrl'>, now: number): string | undefined {
  if (s.status === 'LIVE' && s.liveThumbnailUrl) {
    const sep = s.liveThumbnailUrl.includes('?') ? '&' : '?';
    return `${s.liveThumbnailUrl}${sep}t=${Math.floor(now / LIVE_THUMBNAIL_REFRESH_MS)}`;
  }
  return s.thumbnailUrl ?? undefined;
}
