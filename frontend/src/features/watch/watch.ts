import { DVR_MULTIVARIANT_PATH } from '../../../../lambdas/shared/domain/dvr';
import { LATEST_THUMBNAIL_PATH } from '../../../../lambdas/shared/domain/recording-paths';

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
export function bufferedEndAt(
  ranges: { length: number; start(i: number): number; end(i: number): number },
  position: number,
): number | undefined {
  for (let i = 0; i < ranges.length; i++)
    if (ranges.start(i) <= position + 0.1 && position <= ranges.end(i)) return ranges.end(i);
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
    const title =
      typeof v['title'] === 'string'
        ? v['title']
        : typeof v['productTitle'] === 'string'
          ? v['productTitle']
          : undefined;
    if ((type === 'sale' || type === 'sold') && productId) {
      const cue: Cue = { type: 'sale', productId };
      if (title) cue.title = title;
      if (typeof v['price'] === 'number') cue.price = v['price'];
      if (typeof v['currency'] === 'string') cue.currency = v['currency'];
      if (typeof v['buyerHandle'] === 'string') cue.buyerHandle = v['buyerHandle'];
      return cue;
    }
    if ((type === 'feature' || type === 'featured') && productId)
      return title ? { type: 'feature', productId, title } : { type: 'feature', productId };
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
 * The in-progress recording's DVR multivariant playlist, from the live thumbnail URL the profile holds
 * while the recording runs (`<replay base>/<prefix>/media/latest_thumbnail/thumb.jpg`): beside IVS's
 * recording playlists, which stay open while live and play as live, go closed copies of the last DVR
 * window (`media/hls/dvr.m3u8`, lambdas/shared/domain/dvr.ts), which amazon-ivs-player can seek in.
 * Null when there is no recording yet.
 */
export function dvrPlaylistUrl(liveThumbnailUrl: string | null | undefined): string | null {
  const suffix = `/${LATEST_THUMBNAIL_PATH}`;
  const url = (liveThumbnailUrl ?? '').replace(/[?#].*$/, '');
  if (!/^https?:\/\//.test(url) || !url.endsWith(suffix)) return null;
  return `${url.slice(0, -suffix.length)}/${DVR_MULTIVARIANT_PATH}`;
}

/** A DVR view as loaded: how much media it holds and when its first frame was live. */
export interface DvrView {
  /** Wall-clock ms at which the view's first frame was live. */
  readonly startAt: number;
  /** Seconds of media in the view (the sum of its EXTINF). */
  readonly durationSeconds: number;
}

/** A view dated further from the page's clock than this is read as clock skew, not lag. */
const MAX_RECORDING_LAG_SECONDS = 120;

/**
 * Reads a DVR view (media playlist) fetched at `fetchedAt`: its length, and when its first frame was
 * live from its PROGRAM-DATE-TIME. Without one, or when that date puts the view's end in the future
 * or minutes old (the device's clock is off), its end is taken as live one target duration before
 * the fetch (a recorder lists a segment once it is complete). Null for a view with no segment.
 */
export function readDvrView(playlist: string, fetchedAt: number): DvrView | null {
  const durations = [...playlist.matchAll(/^#EXTINF:([\d.]+)/gm)].map((m) => Number(m[1]));
  if (durations.length === 0) return null;
  const durationSeconds = durations.reduce((a, b) => a + b, 0);
  const firstUri = playlist.split('\n').findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
  const head = playlist.split('\n').slice(0, firstUri);
  const dated = head.map((l) => /^#EXT-X-PROGRAM-DATE-TIME:(.+)$/.exec(l.trim())?.[1]).find(Boolean);
  const pdt = dated ? Date.parse(dated) : NaN;
  const lag = (fetchedAt - pdt) / 1000 - durationSeconds;
  if (Number.isFinite(pdt) && lag > -2 && lag < MAX_RECORDING_LAG_SECONDS) return { startAt: pdt, durationSeconds };
  const target = Number(/^#EXT-X-TARGETDURATION:(\d+)/m.exec(playlist)?.[1] ?? 6);
  return { startAt: fetchedAt - (target + durationSeconds) * 1000, durationSeconds };
}

/** Seconds behind live at `now` while the view plays at `position`. */
export function dvrBehind(view: DvrView, position: number, now: number): number {
  return Math.max(0, (now - view.startAt) / 1000 - position);
}

/** Seconds the view's end is behind live at `now`: no point of the view is closer to live. */
export function dvrLag(view: DvrView, now: number): number {
  return Math.max(0, (now - view.startAt) / 1000 - view.durationSeconds);
}

/** How far back a viewer can go at `now`: the configured window, bounded by the view's start. */
export function dvrReach(windowSeconds: number, view: DvrView, now: number): number {
  if (!(windowSeconds > 0) || !(view.durationSeconds > 0)) return 0;
  return Math.max(dvrLag(view, now), Math.min(windowSeconds, (now - view.startAt) / 1000));
}

/**
 * Where to play in `view` to be `backSeconds` behind live at `now`, clamped to what the view holds
 * and to the window: the position and the distance actually behind, so the page can say when the
 * request was cut short.
 */
export function dvrSeek(
  backSeconds: number,
  windowSeconds: number,
  view: DvrView,
  now: number,
): { position: number; behind: number } {
  const lag = dvrLag(view, now);
  const reach = dvrReach(windowSeconds, view, now);
  const behind = Math.min(reach, Math.max(lag, Number.isFinite(backSeconds) ? backSeconds : 0));
  const position = Math.min(view.durationSeconds, Math.max(0, (now - view.startAt) / 1000 - behind));
  return { position, behind };
}

/**
 * Whether going `backSeconds` behind live needs a newer copy of the view than the one loaded: the
 * loaded view is closed, so it holds nothing newer than its end (refresh on seek).
 */
export function dvrNeedsReload(backSeconds: number, view: DvrView, now: number): boolean {
  return backSeconds < dvrLag(view, now) + 1;
}

/** "−1:05" style label of the distance behind live for the DVR scrub bar ("Live" at the edge). */
export function formatBehind(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  return s === 0 ? 'Live' : `−${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

/** The first variant a multivariant playlist lists (IVS lists the highest rendition first), resolved against its URL. */
export function firstVariant(master: string, masterUrl: string): string | null {
  const line = master
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  return line ? new URL(line, masterUrl).href : null;
}
