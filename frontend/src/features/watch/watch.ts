/** The "Go live" button shows when playback is this many seconds behind live. */
export const BEHIND_LIVE_SECONDS = 5;

/** Whether to offer "Go live": only for live playback with a known latency above the threshold. */
export function isBehindLive(latencySeconds: number | null | undefined, isLive: boolean): boolean {
  return isLive && latencySeconds != null && Number.isFinite(latencySeconds) && latencySeconds > BEHIND_LIVE_SECONDS;
}

/** One look at the player: where the playhead is and how far media is buffered, at a wall-clock time. */
export interface PlaybackSample {
  /** Playhead, seconds on the video element's timeline. */
  readonly position: number;
  /** End of the buffered range holding the playhead (or the last one), same timeline; undefined if none. */
  readonly bufferedEnd: number | undefined;
  /** Wall-clock time of the sample, milliseconds. */
  readonly at: number;
}

/** Distance to the live edge, fed with samples of one live playback (see liveEdge). */
export interface LiveEdge {
  /** Seconds behind live after this sample. */
  update(sample: PlaybackSample): number;
  /** Forget the edge: the playback was reloaded (its timeline restarts). */
  reset(): void;
}

/**
 * Seconds behind live for a player that cannot say (amazon-ivs-player's getLiveLatency() answers 0
 * on HLS that IVS did not package). The newest buffered media was live when it arrived and the live
 * edge moves on at one second per second, so every sample implies the edge is at least its buffered
 * end plus the time since; the edge is the largest such bound, and it keeps moving while the player
 * is paused or stalled and fetches nothing. The distance leaves out the packager's share (about one
 * segment), so it errs on the side of not offering "Go live".
 */
export function liveEdge(): LiveEdge {
  let edge: { media: number; at: number } | undefined;
  return {
    update({ position, bufferedEnd, at }) {
      const implied = edge ? edge.media + (at - edge.at) / 1000 : -Infinity;
      if (bufferedEnd !== undefined && bufferedEnd > implied) edge = { media: bufferedEnd, at };
      if (!edge) return 0;
      return Math.max(0, edge.media + (at - edge.at) / 1000 - position);
    },
    reset() {
      edge = undefined;
    },
  };
}

/** The end of the buffered range holding `position`, else the last range's end. */
export function bufferedEndAt(ranges: { length: number; start(i: number): number; end(i: number): number }, position: number): number | undefined {
  for (let i = 0; i < ranges.length; i++) if (ranges.start(i) <= position + 0.1 && position <= ranges.end(i)) return ranges.end(i);
  return ranges.length > 0 ? ranges.end(ranges.length - 1) : undefined;
}

/** A timed-metadata cue (sent by the backend with PutMetadata) after validation. */
export type Cue =
  | { type: 'sale'; productId: string; title?: string; price?: number; currency?: string; buyerHandle?: string }
  | { type: 'feature'; productId: string; title?: string }
  | { type: 'other'; text: string };

/**
 * The cue texts in one TextMetadataCue: the backend coalesces a burst of cues into one PutMetadata
 * payload as a JSON array (lambdas/shared/domain/markers.ts), so each element is its own cue.
 */
export function cueTexts(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    if (Array.isArray(v) && v.length > 0) return v.map((c) => JSON.stringify(c));
  } catch {
    // not JSON: one plain text cue
  }
  return [text];
}

/** Parses TextMetadataCue text: JSON with a `type` field; anything else is kept as text. */
export function parseCue(text: string): Cue {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    const type = String(v['type'] ?? v['kind'] ?? '').toLowerCase();
    const productId = typeof v['productId'] === 'string' ? v['productId'] : '';
    const title = typeof v['title'] === 'string' ? v['title'] : typeof v['productTitle'] === 'string' ? v['productTitle'] : undefined;
    if ((type === 'sale' || type === 'sold') && productId) {
      const cue: Cue = { type: 'sale', productId };
      if (title) cue.title = title;
      if (typeof v['price'] === 'number') cue.price = v['price'];
      if (typeof v['currency'] === 'string') cue.currency = v['currency'];
      if (typeof v['buyerHandle'] === 'string') cue.buyerHandle = v['buyerHandle'];
      return cue;
    }
    if ((type === 'feature' || type === 'featured') && productId) return title ? { type: 'feature', productId, title } : { type: 'feature', productId };
  } catch {
    // not JSON: plain text cue
  }
  return { type: 'other', text };
}

/** How long the watch page shows a sale or featuring banner after its cue, in milliseconds. */
export const CUE_BANNER_MS = 5000;

/** The watch page's cue banner (see cueBanner). */
export interface CueBanner {
  /** Shows `cue` for the banner's time; a cue the page does not display leaves the banner as it is. */
  show(cue: Cue): void;
  /** Cancels the pending hide (the page is going away). */
  dispose(): void;
}

/**
 * The watch page's cue banner: each displayed cue stays for `ms` after it arrives. A newer cue
 * replaces the shown one and restarts the countdown: with one timer per cue, the first of two sales
 * a few seconds apart hid the second when its own time ran out (a viewer saw the second "Sold" for a
 * fraction of a second, or not at all). Cues of type 'other' are not displayed, so they neither
 * replace nor hide what is shown.
 */
export function cueBanner(render: (cue: Cue | null) => void, ms: number = CUE_BANNER_MS): CueBanner {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    show(cue) {
      if (cue.type === 'other') return;
      if (timer !== undefined) clearTimeout(timer);
      render(cue);
      timer = setTimeout(() => {
        timer = undefined;
        render(null);
      }, ms);
    },
    dispose() {
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** Reads the handle from /u/<handle> or /u/?handle= (the page is client-routed, see docs/web.md). */
export function handleFromLocation(pathname: string, search: string): string | null {
  const q = new URLSearchParams(search).get('handle');
  if (q) return q.trim().toLowerCase();
  const m = /^\/u\/([^/?#]+)\/?$/.exec(pathname);
  if (!m?.[1] || m[1] === 'index.html') return null;
  return decodeURIComponent(m[1]).toLowerCase();
}

/** Steps the live watch page offers to go back (DVR), in seconds. */
export const DVR_STEPS = [10, 60] as const;

/**
 * The in-progress recording's multivariant playlist, from the live thumbnail URL the profile holds
 * while the recording runs (`<replay base>/<prefix>/media/latest_thumbnail/thumb.jpg`): IVS appends
 * to `<prefix>/media/hls/…` while the stream runs, which is what a DVR viewer seeks back into (the
 * pattern of the amazon-ivs-dvr samples). Null when there is no recording yet.
 */
export function dvrPlaylistUrl(liveThumbnailUrl: string | null | undefined): string | null {
  const m = /^(https?:\/\/.+)\/media\/latest_thumbnail\/thumb\.jpg(?:[?#].*)?$/.exec(liveThumbnailUrl ?? '');
  return m ? `${m[1]}/media/hls/master.m3u8` : null;
}

/** How far back a viewer can go now: the configured window, bounded by what has been recorded. */
export function dvrReach(windowSeconds: number, recordedSeconds: number): number {
  if (!Number.isFinite(recordedSeconds) || recordedSeconds <= 0 || !(windowSeconds > 0)) return 0;
  return Math.min(windowSeconds, recordedSeconds);
}

/**
 * Where to seek in the recording to be `backSeconds` behind its end (the live edge as recorded),
 * clamped to the reach: never before the window's start nor after the end. Returns the position
 * and the distance actually behind, so the page can say when the request was cut short.
 */
export function dvrSeek(backSeconds: number, windowSeconds: number, recordedSeconds: number): { position: number; behind: number } {
  const reach = dvrReach(windowSeconds, recordedSeconds);
  const behind = Math.min(reach, Math.max(0, Number.isFinite(backSeconds) ? backSeconds : 0));
  return { position: Math.max(0, recordedSeconds - behind), behind };
}

/** "1:05 behind live" style label for the DVR scrub bar. */
export function formatBehind(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s === 0 ? 'Live' : `−${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** The first variant a multivariant playlist lists (IVS lists the highest rendition first), resolved against its URL. */
export function firstVariant(master: string, masterUrl: string): string | null {
  const line = master.split('\n').map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#'));
  return line ? new URL(line, masterUrl).href : null;
}

/**
 * The recording's media playlist as a finished one: while the stream runs it is an EVENT playlist
 * without `#EXT-X-ENDLIST`, which amazon-ivs-player plays as live (no duration, no seeking; the
 * amazon-ivs-dvr sample closes it at the CDN for the same reason). Closing it here, with segment URIs
 * made absolute (the result is loaded from a blob URL), gives a seekable copy of what is recorded now.
 */
export function closedRecordingPlaylist(playlist: string, playlistUrl: string): string {
  const lines = playlist.split('\n').map((l) => {
    const t = l.trim();
    return t !== '' && !t.startsWith('#') ? new URL(t, playlistUrl).href : l;
  });
  const body = lines.join('\n').trimEnd();
  return body.includes('#EXT-X-ENDLIST') ? `${body}\n` : `${body}\n#EXT-X-ENDLIST\n`;
}
