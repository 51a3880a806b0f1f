import { GetObjectCommand, NoSuchKey, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.RECORDINGS_BUCKET = 'recordings';
  process.env.DVR_WINDOW_SECONDS = '12';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

const { handler, playlistKeysOf } = await import('../../../../lambdas/dvr-playlist/handler');

const s3 = mockClient(S3Client);
const PREFIX = 'ivs/v1/123456789012/AbCdef1G2hij/2026/12/2/17/0/rec1';
const context = {
  functionName: 'dvr-playlist',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;
// The handler reads Body with transformToString, as the SDK's stream mixin offers.
const body = (text: string) => ({ transformToString: async () => text }) as never;
/** The S3 notification for objects written to `bucket`, keys URL-encoded as S3 sends them. */
const created = (keys: string[], bucket = 'recordings') => ({
  Records: keys.map((key) => ({
    eventName: 'ObjectCreated:Put',
    s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(key).replace(/%2F/g, '/') } },
  })),
});
const RECORDING =
  '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-PROGRAM-DATE-TIME:2026-12-02T17:00:00.000Z\n' +
  [0, 1, 2, 3].map((i) => `#EXTINF:6.000,\n${i}.ts\n`).join('');

beforeEach(() => {
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
});

describe('dvr-playlist', () => {
  it('takes the recording playlists an S3 notification names, from the recordings bucket only', () => {
    expect(
      playlistKeysOf(
        created([
          `${PREFIX}/media/hls/720p60/playlist.m3u8`,
          `${PREFIX}/media/hls/720p60/4.ts`,
          `${PREFIX}/media/hls/master.m3u8`,
        ]),
      ),
    ).toEqual([`${PREFIX}/media/hls/720p60/playlist.m3u8`, `${PREFIX}/media/hls/master.m3u8`]);
    expect(playlistKeysOf(created([`${PREFIX}/media/hls/720p60/playlist.m3u8`], 'elsewhere'))).toEqual([]);
    expect(
      playlistKeysOf({
        Records: [
          {
            eventName: 'ObjectRemoved:Delete',
            s3: { bucket: { name: 'recordings' }, object: { key: `${PREFIX}/media/hls/master.m3u8` } },
          },
        ],
      }),
    ).toEqual([]);
    expect(playlistKeysOf({ detail: {} })).toEqual([]);
  });

  it('writes the closed view of the last window beside a rendition playlist, cached for a second', async () => {
    s3.on(GetObjectCommand, { Bucket: 'recordings', Key: `${PREFIX}/media/hls/720p60/playlist.m3u8` }).resolves({
      Body: body(RECORDING),
    });
    expect(await handler(created([`${PREFIX}/media/hls/720p60/playlist.m3u8`]), context)).toEqual({ written: 1 });
    const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      Bucket: 'recordings',
      Key: `${PREFIX}/media/hls/720p60/dvr.m3u8`,
      ContentType: 'application/vnd.apple.mpegurl',
      CacheControl: 'max-age=1',
    });
    expect(put?.Body).toBe(
      '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MEDIA-SEQUENCE:2\n' +
        '#EXT-X-PROGRAM-DATE-TIME:2026-12-02T17:00:12.000Z\n#EXTINF:6.000,\n2.ts\n#EXTINF:6.000,\n3.ts\n#EXT-X-ENDLIST\n',
    );
  });

  it('writes the multivariant view when IVS writes master.m3u8', async () => {
    s3.on(GetObjectCommand).resolves({
      Body: body('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=6000000\n720p60/playlist.m3u8\n'),
    });
    expect(await handler(created([`${PREFIX}/media/hls/master.m3u8`]), context)).toEqual({ written: 1 });
    expect(s3.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      Key: `${PREFIX}/media/hls/dvr.m3u8`,
      Body: '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=6000000\n720p60/dvr.m3u8\n',
    });
  });

  it('writes nothing for a playlist gone or still empty, and fails (to be retried) on other errors', async () => {
    s3.on(GetObjectCommand)
      .rejectsOnce(new NoSuchKey({ message: 'gone', $metadata: {} }))
      .resolvesOnce({ Body: body('#EXTM3U\n#EXT-X-TARGETDURATION:6\n') });
    expect(
      await handler(
        created([`${PREFIX}/media/hls/720p60/playlist.m3u8`, `${PREFIX}/media/hls/360p30/playlist.m3u8`]),
        context,
      ),
    ).toEqual({ written: 0 });
    expect(s3.commandCalls(PutObjectCommand)).toHaveLength(0);
    s3.on(GetObjectCommand).rejects(new Error('SlowDown'));
    await expect(handler(created([`${PREFIX}/media/hls/720p60/playlist.m3u8`]), context)).rejects.toThrow('SlowDown');
  });
});
