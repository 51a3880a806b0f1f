/**
 * DVR views of an in-progress recording: what a live viewer scrubs back into. IVS writes the
 * recording's HLS to S3 while the stream runs, but its media playlists stay open (no
 * `#EXT-X-ENDLIST`) until the stream ends, and amazon-ivs-player plays an open playlist as live:
 * no duration, no seeking. A DVR view is a closed copy of one media playlist (`#EXT-X-PLAYLIST-TYPE:VOD`
 * and `#EXT-X-ENDLIST`) holding only the last DVR window, written beside it as `dvr.m3u8` each
 * time the recording's playlist changes (the dvr-playlist function on AWS, the local IVS locally),
 * plus a multivariant `media/hls/dvr.m3u8` naming each rendition's view. The player loads the view
 * again when a viewer scrubs past what it loaded. Pure: no AWS or Node imports (the web app
 * imports the names).
 */

/** File name of a DVR view, beside the playlist it is made from. */
export const DVR_PLAYLIST = 'dvr.m3u8';
/** The DVR multivariant playlist, relative to a recording's prefix. */
export const DVR_MULTIVARIANT_PATH = `media/hls/${DVR_PLAYLIST}`;
/** How long browsers and the CDN may keep a view: the recording grows by a segment every few seconds. */
export const DVR_CACHE_CONTROL = 'max-age=1';

/** Which view a recording object feeds, if any. */
export type DvrSource =
  { readonly kind: 'multivariant'; readonly viewKey: string } | { readonly kind: 'media'; readonly viewKey: string };

/**
 * The view a written recording object feeds: `<prefix>/media/hls/master.m3u8` feeds the multivariant
 * view, `<prefix>/media/hls/<rendition>/playlist.m3u8` its rendition's view; anything else (segments,
 * byte-range playlists, the views themselves) feeds none, so writing a view never triggers another.
 */
export function dvrSourceOf(key: string): DvrSource | undefined {
  const master = /^(ivs\/.+\/media\/hls)\/master\.m3u8$/.exec(key);
  if (master) return { kind: 'multivariant', viewKey: `${master[1]}/${DVR_PLAYLIST}` };
  const media = /^(ivs\/.+\/media\/hls\/[^/]+)\/playlist\.m3u8$/.exec(key);
  if (media) return { kind: 'media', viewKey: `${media[1]}/${DVR_PLAYLIST}` };
  return undefined;
}

/** The multivariant playlist with each rendition's playlist replaced by its DVR view (same folder). */
export function dvrMultivariant(master: string): string {
  const toView = (uri: string) => uri.replace(/(^|\/)playlist\.m3u8(?=$|[?#])/, `$1${DVR_PLAYLIST}`);
  return master
    .split('\n')
    .map((line) => {
      const t = line.trim();
      if (t !== '' && !t.startsWith('#')) return toView(t);
      return line.replace(/URI="([^"]*)"/g, (_m, uri: string) => `URI="${toView(uri)}"`);
    })
    .join('\n');
}

/** Tags of the whole playlist, rewritten or dropped by the view (RFC 8216 4.3.3, 4.3.5). */
const PLAYLIST_TAGS =
  /^#EXT-X-(VERSION|TARGETDURATION|MEDIA-SEQUENCE|DISCONTINUITY-SEQUENCE|PLAYLIST-TYPE|ENDLIST|I-FRAMES-ONLY|INDEPENDENT-SEGMENTS|START|SERVER-CONTROL|PART-INF)\b/;
/** Tags that apply to every segment after them until replaced: a view starting later repeats them. */
const STICKY_TAGS = /^#EXT-X-(MAP|KEY):/;

interface Segment {
  readonly tags: string[];
  readonly uri: string;
  readonly duration: number;
  /** Wall-clock ms its first frame was live, from its own or an earlier PROGRAM-DATE-TIME. */
  readonly startMs?: number;
  readonly discontinuity: boolean;
  /** The MAP/KEY tags in force for it. */
  readonly sticky: readonly string[];
}

export interface DvrViewOptions {
  /** Seconds a viewer may go back (stage config dvrWindowMinutes). */
  readonly windowSeconds: number;
  /**
   * Wall-clock ms the playlist's first segment was live, for a recorder that writes no
   * `#EXT-X-PROGRAM-DATE-TIME` (the local IVS): the view then dates its first segment, which is
   * how the watch page tells how far behind live the picture is.
   */
  readonly firstSegmentStartMs?: number;
}

/**
 * The closed, windowed copy of a recording's media playlist: the fewest last segments that span
 * `windowSeconds` (so the whole window is reachable), `#EXT-X-PLAYLIST-TYPE:VOD`, `#EXT-X-ENDLIST`,
 * the media and discontinuity sequence numbers of its first segment, the MAP/KEY in force repeated,
 * byte ranges given with explicit offsets (an implicit one follows a segment the view may drop) and
 * a PROGRAM-DATE-TIME on its first segment when one is known. Undefined when the playlist lists no
 * segment yet.
 */
export function dvrMediaView(playlist: string, options: DvrViewOptions): string | undefined {
  const header: string[] = [];
  const segments: Segment[] = [];
  let mediaSequence = 0;
  let discontinuitySequence = 0;
  let pending: string[] = [];
  let duration = 0;
  let discontinuity = false;
  let sticky = new Map<string, string>();
  let nextStartMs = options.firstSegmentStartMs;
  let pendingPdt: number | undefined;
  const rangeEnd = new Map<string, number>();
  for (const raw of playlist.split('\n')) {
    const line = raw.trim();
    if (line === '' || line === '#EXTM3U') continue;
    if (line.startsWith('#')) {
      const tag = /^#EXT-X-([A-Z-]+)/.exec(line)?.[1];
      if (tag === 'MEDIA-SEQUENCE') mediaSequence = Number(line.split(':')[1]) || 0;
      else if (tag === 'DISCONTINUITY-SEQUENCE') discontinuitySequence = Number(line.split(':')[1]) || 0;
      else if (PLAYLIST_TAGS.test(line)) {
        if (tag === 'VERSION' || tag === 'TARGETDURATION' || tag === 'INDEPENDENT-SEGMENTS' || tag === 'I-FRAMES-ONLY')
          header.push(line);
      } else if (STICKY_TAGS.test(line)) {
        sticky = new Map(sticky).set(tag ?? '', line);
        pending.push(line);
      } else if (line.startsWith('#EXTINF:')) {
        duration = Number(/^#EXTINF:([\d.]+)/.exec(line)?.[1] ?? 0);
        pending.push(line);
      } else if (line === '#EXT-X-DISCONTINUITY') {
        discontinuity = true;
        pending.push(line);
      } else if (tag === 'PROGRAM-DATE-TIME') {
        const at = Date.parse(line.slice('#EXT-X-PROGRAM-DATE-TIME:'.length));
        if (Number.isFinite(at)) pendingPdt = at;
        pending.push(line);
      } else pending.push(line);
      continue;
    }
    const startMs = pendingPdt ?? nextStartMs;
    const tags = pending.map((t) => {
      const range = /^#EXT-X-BYTERANGE:(\d+)(?:@(\d+))?$/.exec(t);
      if (!range) return t;
      const length = Number(range[1]);
      const offset = range[2] !== undefined ? Number(range[2]) : (rangeEnd.get(line) ?? 0);
      rangeEnd.set(line, offset + length);
      return `#EXT-X-BYTERANGE:${length}@${offset}`;
    });
    segments.push({ tags, uri: line, duration, startMs, discontinuity, sticky: [...sticky.values()] });
    nextStartMs = startMs === undefined ? undefined : startMs + duration * 1000;
    pending = [];
    pendingPdt = undefined;
    duration = 0;
    discontinuity = false;
  }
  if (segments.length === 0) return undefined;

  let first = segments.length - 1;
  let span = segments[first]?.duration ?? 0;
  while (first > 0 && span < options.windowSeconds) {
    first -= 1;
    span += segments[first]?.duration ?? 0;
  }
  const dropped = segments.slice(0, first);
  const kept = segments.slice(first);
  const head = kept[0] as Segment;
  const droppedDiscontinuities = dropped.filter((s) => s.discontinuity).length + (head.discontinuity ? 1 : 0);
  const headTags = head.tags.filter((t) => t !== '#EXT-X-DISCONTINUITY');
  const repeated = first > 0 ? head.sticky.filter((t) => !headTags.includes(t)) : [];
  const dated =
    headTags.some((t) => t.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) || head.startMs === undefined
      ? []
      : [`#EXT-X-PROGRAM-DATE-TIME:${new Date(head.startMs).toISOString()}`];
  const lines = [
    '#EXTM3U',
    ...header,
    '#EXT-X-PLAYLIST-TYPE:VOD',
    `#EXT-X-MEDIA-SEQUENCE:${mediaSequence + first}`,
    ...(discontinuitySequence + droppedDiscontinuities > 0
      ? [`#EXT-X-DISCONTINUITY-SEQUENCE:${discontinuitySequence + droppedDiscontinuities}`]
      : []),
    ...repeated,
    ...dated,
    ...headTags,
    head.uri,
    ...kept.slice(1).flatMap((s) => [...s.tags, s.uri]),
    '#EXT-X-ENDLIST',
  ];
  return `${lines.join('\n')}\n`;
}
