/**
 * Recordings of the local IVS, in IVS's S3 layout, written while the stream runs as IVS does: the
 * rendition's event playlist and its segments (what a DVR viewer seeks back into), the sequential
 * thumbnails and the latest thumbnail (what a live tile shows). At the end the playlist gets its
 * `#EXT-X-ENDLIST` and recording-ended.json is written. Beside the playlists go their DVR views
 * (lambdas/shared/domain/dvr.ts), which the dvr-playlist function writes on AWS when IVS updates one.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DVR_PLAYLIST, dvrMediaView, dvrMultivariant } from '../../lambdas/shared/domain/dvr';
import { LATEST_THUMBNAIL_PATH } from '../../lambdas/shared/domain/recording-paths';
import type { BucketStore } from '../s3/store';
import { firstVideoPts, ptsDiffSeconds } from './id3';
import { MPEGTS_OFFSET_PTS } from './packaging';

/** Where the local IVS stages one recording session and where it lands in the bucket. */
export interface RecordingTarget {
  readonly store: BucketStore;
  readonly bucket: string;
  /** `ivs/v1/<account>/<channelId>/<y>/<m>/<d>/<h>/<mm>/<recordingSessionId>` */
  readonly prefix: string;
  /** Staging directory ffmpeg writes into (`media/hls/source`, `media/thumbnails/source`). */
  readonly dir: string;
  /** Writes the DVR views too (see dvrViews). */
  readonly dvr?: DvrTarget;
}

/** What the DVR views of a local recording need from its live session. */
export interface DvrTarget {
  /** Seconds a viewer may go back (stage config dvrWindowMinutes). */
  readonly windowSeconds: number;
  /** Wall-clock ms at which the publisher sent media time 0 (the session's estimate, refined while it runs). */
  mediaZeroAt(): number;
}

/** What one session has copied to the bucket so far. */
export interface Uploaded {
  /** Staging path -> mtime of the copy. */
  readonly files: Map<string, number>;
  /** Staging path of the thumbnail last copied as the latest one. */
  latest?: string;
  master?: boolean;
  dvrMaster?: boolean;
  /** Media time (s) of the recording's first frame, read once from its first segment. */
  firstSegmentMedia?: number;
}

/** A fresh upload state for a new recording session. */
export const newUploaded = (): Uploaded => ({ files: new Map() });

const HLS = 'media/hls/source';
const THUMBS = 'media/thumbnails/source';
const MASTER = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=2500000\nsource/playlist.m3u8\n';

/** The segment names a media playlist lists, in order. */
export function listedSegments(playlist: string): string[] {
  return playlist
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

/** Sum of the playlist's EXTINF durations, in milliseconds. */
export function playlistDurationMs(playlist: string): number {
  return Math.round([...playlist.matchAll(/#EXTINF:([\d.]+)/g)].reduce((sum, m) => sum + Number(m[1]), 0) * 1000);
}

/**
 * Copies what ffmpeg has finished since the last call: the segments the playlist lists (a segment
 * is listed once complete), then the playlist itself (so it never names a segment the bucket lacks),
 * thumbnails whose file has stopped changing, and the newest of them as the latest thumbnail (IVS's LATEST storage, where live tiles are read).
 * `final` appends `#EXT-X-ENDLIST` and takes every thumbnail. Returns the playlist's duration.
 */
export async function syncRecording(t: RecordingTarget, uploaded: Uploaded, final = false): Promise<number> {
  const playlistPath = join(t.dir, HLS, 'playlist.m3u8');
  const playlist = existsSync(playlistPath) ? readFileSync(playlistPath, 'utf8') : '';
  for (const name of listedSegments(playlist)) {
    const path = join(t.dir, HLS, name);
    if (uploaded.files.has(path) || !existsSync(path)) continue;
    await t.store.write(t.bucket, `${t.prefix}/${HLS}/${name}`, readFileSync(path), {});
    uploaded.files.set(path, 0);
  }
  if (playlist) {
    const body = final && !playlist.includes('#EXT-X-ENDLIST') ? `${playlist.trimEnd()}\n#EXT-X-ENDLIST\n` : playlist;
    await t.store.write(t.bucket, `${t.prefix}/${HLS}/playlist.m3u8`, Buffer.from(body), {
      contentType: 'application/vnd.apple.mpegurl',
    });
    if (!uploaded.master) {
      await t.store.write(t.bucket, `${t.prefix}/media/hls/master.m3u8`, Buffer.from(MASTER), {
        contentType: 'application/vnd.apple.mpegurl',
      });
      uploaded.master = true;
    }
    if (t.dvr) await writeDvrViews(t, t.dvr, uploaded, playlist);
  }
  await syncThumbnails(t, uploaded, final);
  return playlistDurationMs(playlist);
}

const M3U8 = { contentType: 'application/vnd.apple.mpegurl' };

/**
 * The recording's DVR views (lambdas/shared/domain/dvr.ts), from the playlist just written. ffmpeg
 * writes no PROGRAM-DATE-TIME into the recording, so the view dates its first segment from the
 * session's media-zero time and the first segment's PTS (the recording keeps the publisher's
 * timestamps, as the live rendition does: PTS = MPEGTS_OFFSET_PTS + media time).
 */
async function writeDvrViews(t: RecordingTarget, dvr: DvrTarget, uploaded: Uploaded, playlist: string): Promise<void> {
  if (uploaded.firstSegmentMedia === undefined) {
    const first = listedSegments(playlist)[0];
    const pts =
      first && existsSync(join(t.dir, HLS, first)) ? firstVideoPts(readFileSync(join(t.dir, HLS, first))) : undefined;
    if (pts !== undefined) uploaded.firstSegmentMedia = ptsDiffSeconds(pts, MPEGTS_OFFSET_PTS);
  }
  const firstSegmentStartMs =
    uploaded.firstSegmentMedia === undefined ? undefined : dvr.mediaZeroAt() + uploaded.firstSegmentMedia * 1000;
  const view = dvrMediaView(playlist, {
    windowSeconds: dvr.windowSeconds,
    ...(firstSegmentStartMs === undefined ? {} : { firstSegmentStartMs }),
  });
  if (!view) return;
  await t.store.write(t.bucket, `${t.prefix}/${HLS}/${DVR_PLAYLIST}`, Buffer.from(view), M3U8);
  if (!uploaded.dvrMaster) {
    await t.store.write(t.bucket, `${t.prefix}/media/hls/${DVR_PLAYLIST}`, Buffer.from(dvrMultivariant(MASTER)), M3U8);
    uploaded.dvrMaster = true;
  }
}

async function syncThumbnails(t: RecordingTarget, uploaded: Uploaded, final: boolean): Promise<void> {
  const dir = join(t.dir, THUMBS);
  if (!existsSync(dir)) return;
  const numbered = readdirSync(dir)
    .map((name) => ({ name, n: Number(/^thumb(\d+)\.jpg$/.exec(name)?.[1] ?? NaN) }))
    .filter((f) => Number.isInteger(f.n))
    .sort((a, b) => a.n - b.n);
  // The image2 muxer writes each file in one go; one written in the last half second may be partial.
  const done = numbered.filter(
    (f, i) => final || i < numbered.length - 1 || Date.now() - statSync(join(dir, f.name)).mtimeMs > 500,
  );
  let newest: string | undefined;
  for (const { name } of done) {
    const path = join(dir, name);
    const mtime = statSync(path).mtimeMs;
    newest = path;
    if (uploaded.files.get(path) === mtime) continue;
    await t.store.write(t.bucket, `${t.prefix}/${THUMBS}/${name}`, readFileSync(path), { contentType: 'image/jpeg' });
    uploaded.files.set(path, mtime);
  }
  if (newest && uploaded.latest !== newest) {
    await t.store.write(t.bucket, `${t.prefix}/${LATEST_THUMBNAIL_PATH}`, readFileSync(newest), {
      contentType: 'image/jpeg',
    });
    uploaded.latest = newest;
  }
}
