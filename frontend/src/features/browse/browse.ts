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
