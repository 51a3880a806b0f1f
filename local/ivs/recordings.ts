/**
 * Recordings of the local IVS, in IVS's S3 layout, written while the stream runs as IVS does: the
 * rendition's event playlist and its segments (what a DVR viewer seeks back into), the sequential
 * thumbnails and the latest thumbnail (what a live tile shows). At the end the playlist gets its
 * `#EXT-X-ENDLIST` and recording-ended.json is written.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BucketStore } from '../s3/store';

/** Where the local IVS stages one recording session and where it lands in the bucket. */
export interface RecordingTarget {
  readonly store: BucketStore;
  readonly bucket: string;
  /** `ivs/v1/<account>/<channelId>/<y>/<m>/<d>/<h>/<mm>/<recordingSessionId>` */
  readonly prefix: string;
  /** Staging directory ffmpeg writes into (`media/hls/source`, `media/thumbnails/source`). */
  readonly dir: string;
}

/** What one session has copied to the bucket so far. */
export interface Uploaded {
  /** Staging path -> mtime of the copy. */
  readonly files: Map<string, number>;
  /** Staging path of the thumbnail last copied as the latest one. */
  latest?: string;
  master?: boolean;
}

/** A fresh upload state for a new recording session. */
export const newUploaded = (): Uploaded => ({ files: new Map() });

const HLS = 'media/hls/source';
const THUMBS = 'media/thumbnails/source';
/** IVS's LATEST thumbnail storage: one object overwritten at each interval (IVS API reference, ThumbnailConfiguration). */
export const LATEST_THUMBNAIL = 'media/latest_thumbnail/thumb.jpg';
const MASTER = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-STREAM-INF:BANDWIDTH=2500000\nsource/playlist.m3u8\n';

/** The segment names a media playlist lists, in order. */
export function listedSegments(playlist: string): string[] {
  return playlist.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

/** Sum of the playlist's EXTINF durations, in milliseconds. */
export function playlistDurationMs(playlist: string): number {
  return Math.round([...playlist.matchAll(/#EXTINF:([\d.]+)/g)].reduce((sum, m) => sum + Number(m[1]), 0) * 1000);
}

/**
 * Copies what ffmpeg has finished since the last call: the segments the playlist lists (a segment
 * is listed once complete), then the playlist itself (so it never names a segment the bucket lacks),
 * thumbnails whose file has stopped changing, and the newest of them as the latest thumbnail.
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
    await t.store.write(t.bucket, `${t.prefix}/${HLS}/playlist.m3u8`, Buffer.from(body), { contentType: 'application/vnd.apple.mpegurl' });
    if (!uploaded.master) {
      await t.store.write(t.bucket, `${t.prefix}/media/hls/master.m3u8`, Buffer.from(MASTER), { contentType: 'application/vnd.apple.mpegurl' });
      uploaded.master = true;
    }
  }
  await syncThumbnails(t, uploaded, final);
  return playlistDurationMs(playlist);
}

async function syncThumbnails(t: RecordingTarget, uploaded: Uploaded, final: boolean): Promise<void> {
  const dir = join(t.dir, THUMBS);
  if (!existsSync(dir)) return;
  const numbered = readdirSync(dir)
    .map((name) => ({ name, n: Number(/^thumb(\d+)\.jpg$/.exec(name)?.[1] ?? NaN) }))
    .filter((f) => Number.isInteger(f.n))
    .sort((a, b) => a.n - b.n);
  // The image2 muxer writes each file in one go; one written in the last half second may be partial.
  const done = numbered.filter((f, i) => final || i < numbered.length - 1 || Date.now() - statSync(join(dir, f.name)).mtimeMs > 500);
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
    await t.store.write(t.bucket, `${t.prefix}/${LATEST_THUMBNAIL}`, readFileSync(newest), { contentType: 'image/jpeg' });
    uploaded.latest = newest;
  }
}
