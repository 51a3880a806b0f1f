/**
 * The local IVS's recording sync, on a staging directory as its ffmpeg leaves it: while the stream
 * runs the bucket gets the open playlist, its DVR views (closed, the window, dated from the session's
 * media-zero time and the first segment's PTS) and the latest thumbnail where IVS's LATEST storage
 * puts it, which is where the app reads live tiles from.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latestThumbnailKey } from '../../../../lambdas/shared/domain/recordings';
import { newUploaded, syncRecording } from '../../../../local/ivs/recordings';
import { BucketStore } from '../../../../local/s3/store';

const PREFIX = 'ivs/v1/000000000000/ch1/2026/12/2/17/0/rec1';
let dir: string;
let store: BucketStore;
let staging: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'local-recordings-'));
  store = new BucketStore(join(dir, 's3'));
  staging = join(dir, 'staging');
  const hls = join(staging, 'media/hls/source');
  mkdirSync(hls, { recursive: true });
  mkdirSync(join(staging, 'media/thumbnails/source'), { recursive: true });
  // A real first segment: its PTS says when it was published (ffmpeg's MPEG-TS offset, 1.4 s, is media time 0).
  execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc2=size=64x36:rate=10',
    '-t',
    '1',
    '-c:v',
    'libx264',
    '-bf',
    '0',
    '-f',
    'mpegts',
    join(hls, '0.ts'),
  ]);
  for (const n of [1, 2, 3]) writeFileSync(join(hls, `${n}.ts`), Buffer.alloc(188 * 2, 0x47));
  writeFileSync(
    join(hls, 'playlist.m3u8'),
    `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:EVENT\n${[0, 1, 2, 3].map((n) => `#EXTINF:6.000000,\n${n}.ts\n`).join('')}`,
  );
  writeFileSync(join(staging, 'media/thumbnails/source/thumb0.jpg'), 'first');
  writeFileSync(join(staging, 'media/thumbnails/source/thumb1.jpg'), 'newest');
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('local IVS recording sync', () => {
  it('writes the open recording, its DVR views and the latest thumbnail while live', async () => {
    await store.createBucket('recordings');
    const mediaZeroAt = Date.parse('2026-12-02T17:00:00.250Z');
    const target = {
      store,
      bucket: 'recordings',
      prefix: PREFIX,
      dir: staging,
      dvr: { windowSeconds: 12, mediaZeroAt: () => mediaZeroAt },
    };
    expect(await syncRecording(target, newUploaded(), true)).toBe(24_000);
    const text = async (key: string) => (await store.read('recordings', `${PREFIX}/${key}`)).toString();

    expect(await text('media/hls/source/playlist.m3u8')).toContain('#EXT-X-ENDLIST');
    // The last 12 s, closed, its first segment (2.ts) dated 12 s after 0.ts was published.
    expect(await text('media/hls/source/dvr.m3u8')).toBe(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MEDIA-SEQUENCE:2\n' +
        '#EXT-X-PROGRAM-DATE-TIME:2026-12-02T17:00:12.250Z\n#EXTINF:6.000000,\n2.ts\n#EXTINF:6.000000,\n3.ts\n#EXT-X-ENDLIST\n',
    );
    expect(await text('media/hls/dvr.m3u8')).toContain('\nsource/dvr.m3u8\n');
    expect((await store.meta('recordings', `${PREFIX}/media/hls/source/dvr.m3u8`)).contentType).toBe(
      'application/vnd.apple.mpegurl',
    );

    // Where the recording-state function points the profile's liveThumbnailUrl (IVS storage LATEST).
    expect((await store.read('recordings', latestThumbnailKey(PREFIX))).toString()).toBe('newest');
  });
});
