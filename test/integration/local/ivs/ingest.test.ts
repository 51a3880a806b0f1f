/**
 * Local IVS with real clients: the control plane through @aws-sdk/client-ivs, RTMP ingest from a
 * real ffmpeg publisher, live HLS over HTTP, stream and recording events, and the recording in
 * IVS's S3 layout in the local bucket.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChannelNotBroadcasting,
  CreateChannelCommand,
  CreateStreamKeyCommand,
  DeleteStreamKeyCommand,
  GetChannelCommand,
  GetStreamCommand,
  GetStreamKeyCommand,
  GetStreamSessionCommand,
  IvsClient,
  ListChannelsCommand,
  ListStreamKeysCommand,
  ListTagsForResourceCommand,
  PutMetadataCommand,
  ResourceNotFoundException,
  StopStreamCommand,
  TagResourceCommand,
  ThrottlingException,
  ValidationException,
} from '@aws-sdk/client-ivs';
import { BucketStore } from '../../../../local/s3/store';
import { startLocalIvs, type IvsEvent, type LocalIvs } from '../../../../local/ivs/index';
import { recordingEventDetailSchema, recordingMetadataSchema } from '../../../../lambdas/shared/domain/recordings';
import { streamStateEventSchema } from '../../../../lambdas/shared/domain/stream-state';
import { publish, waitFor } from './helpers';

const BUCKET = 'recordings';
let dir: string;
let store: BucketStore;
let ivs: LocalIvs;
let client: IvsClient;
const events: IvsEvent[] = [];

const eventsFor = (channelArn: string, detailType: string, name?: string) =>
  events.filter(
    (e) =>
      e.resources[0] === channelArn &&
      e['detail-type'] === detailType &&
      (name === undefined || e.detail.event_name === name || e.detail.recording_status === name),
  );

async function start(): Promise<void> {
  ivs = await startLocalIvs({
    dataDir: join(dir, 'ivs'),
    port: 0,
    rtmpPort: 0,
    recordings: { store, bucket: BUCKET },
    onEvent: async (e) => {
      events.push(e);
    },
  });
  client = new IvsClient({
    region: 'us-east-1',
    endpoint: ivs.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

async function newChannel(name: string, record = true) {
  const out = await client.send(
    new CreateChannelCommand({
      name,
      latencyMode: 'LOW',
      type: 'STANDARD',
      ...(record ? { recordingConfigurationArn: ivs.recordingConfigurationArn } : {}),
      tags: { app: 'live-shopping', stage: 'local' },
    }),
  );
  return { channel: out.channel!, key: out.streamKey! };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'local-ivs-'));
  store = new BucketStore(join(dir, 's3'));
  await store.createBucket(BUCKET);
  await start();
});

afterAll(async () => {
  await ivs?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('control plane through @aws-sdk/client-ivs', () => {
  it('creates, reads, lists and deletes channels and stream keys with IVS ARNs and errors', async () => {
    const { channel, key } = await newChannel('cp-user-1');
    expect(channel.arn).toMatch(/^arn:aws:ivs:us-east-1:000000000000:channel\/[A-Za-z0-9]{12}$/);
    expect(key.arn).toMatch(/^arn:aws:ivs:us-east-1:000000000000:stream-key\/[A-Za-z0-9]{12}$/);
    expect(key.value).toMatch(/^sk_us-east-1_/);
    expect(channel.ingestEndpoint).toBe('127.0.0.1');
    const channelId = channel.arn!.split('/').pop();
    expect(channel.playbackUrl).toBe(`${ivs.playbackBaseUrl}/${channelId}/index.m3u8`);
    expect(channel.recordingConfigurationArn).toBe(ivs.recordingConfigurationArn);
    expect(channel.tags).toEqual({ app: 'live-shopping', stage: 'local' });

    const got = await client.send(new GetChannelCommand({ arn: channel.arn }));
    expect(got.channel?.name).toBe('cp-user-1');
    const listed = await client.send(new ListChannelsCommand({ filterByName: 'cp-user-1' }));
    expect(listed.channels?.map((c) => c.arn)).toEqual([channel.arn]);
    expect(listed.channels?.[0]?.tags).toEqual({ app: 'live-shopping', stage: 'local' });

    const keys = await client.send(new ListStreamKeysCommand({ channelArn: channel.arn }));
    expect(keys.streamKeys?.map((k) => k.arn)).toEqual([key.arn]);
    expect((await client.send(new GetStreamKeyCommand({ arn: key.arn }))).streamKey?.value).toBe(key.value);
    const second = (await client.send(new CreateStreamKeyCommand({ channelArn: channel.arn }))).streamKey!;
    await client.send(new DeleteStreamKeyCommand({ arn: key.arn }));
    expect(
      (await client.send(new ListStreamKeysCommand({ channelArn: channel.arn }))).streamKeys?.map((k) => k.arn),
    ).toEqual([second.arn]);

    await client.send(new TagResourceCommand({ resourceArn: channel.arn, tags: { owner: 'u1' } }));
    expect((await client.send(new ListTagsForResourceCommand({ resourceArn: channel.arn }))).tags).toMatchObject({
      owner: 'u1',
      app: 'live-shopping',
    });

    await expect(client.send(new GetChannelCommand({ arn: `${channel.arn}x` }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(client.send(new GetStreamKeyCommand({ arn: key.arn }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
    await expect(client.send(new GetStreamCommand({ channelArn: channel.arn }))).rejects.toBeInstanceOf(
      ChannelNotBroadcasting,
    );
    await expect(
      client.send(new PutMetadataCommand({ channelArn: channel.arn, metadata: '{}' })),
    ).rejects.toBeInstanceOf(ChannelNotBroadcasting);
    await expect(client.send(new StopStreamCommand({ channelArn: channel.arn }))).rejects.toBeInstanceOf(
      ChannelNotBroadcasting,
    );
  });
});

describe('RTMP ingest with ffmpeg', () => {
  it('rejects an unknown stream key: the publisher is dropped, no HLS, no events', async () => {
    const before = events.length;
    const pub = publish(`${ivs.rtmpUrl}sk_us-east-1_not-a-key`);
    const code = await Promise.race([
      pub.exited,
      new Promise<'running'>((r) => setTimeout(() => r('running'), 15_000)),
    ]);
    if (code === 'running') await pub.stop();
    expect(code).not.toBe('running');
    expect(code).not.toBe(0);
    expect(events.length).toBe(before);
    expect(ivs.live()).toEqual([]);
  });

  it('goes live with the right key (HLS playlist, Stream Start, GetStream), ends on stop (Stream End, Recording End, files in the layout)', async () => {
    const { channel, key } = await newChannel('ingest-user-1');
    const channelArn = channel.arn!;
    const channelId = channelArn.split('/').pop()!;
    const pub = publish(`${ivs.rtmpUrl}${key.value}`);
    try {
      const playlist = await waitFor(
        'the live playlist',
        async () => {
          const res = await fetch(channel.playbackUrl!);
          if (!res.ok) return undefined;
          const text = await res.text();
          return text.includes('#EXTINF') ? { res, text } : undefined;
        },
        30_000,
        200,
      );
      expect(playlist.res.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
      expect(playlist.res.headers.get('access-control-allow-origin')).toBe('*');
      expect(playlist.text).toMatch(/#EXT-X-PROGRAM-DATE-TIME:/);
      const segment = /^(seg\d+\.ts)$/m.exec(playlist.text)?.[1];
      expect(segment).toBeDefined();
      const seg = await fetch(`${ivs.playbackBaseUrl}/${channelId}/${segment}`);
      expect(seg.status).toBe(200);
      expect(seg.headers.get('content-type')).toBe('video/mp2t');
      expect((await seg.arrayBuffer()).byteLength).toBeGreaterThan(1000);
      // Segments are about 1 s long.
      const durations = [...playlist.text.matchAll(/#EXTINF:([\d.]+)/g)].map((m) => Number(m[1]));
      expect(Math.max(...durations)).toBeLessThan(2.1);

      const startEvent = await waitFor(
        'Stream Start',
        () => eventsFor(channelArn, 'IVS Stream State Change', 'Stream Start')[0],
      );
      expect(eventsFor(channelArn, 'IVS Stream State Change', 'Session Created')).toHaveLength(1);
      expect(streamStateEventSchema.safeParse({ ...startEvent, id: 'x' }).success).toBe(true);
      expect(startEvent.detail.channel_name).toBe('ingest-user-1');
      expect(startEvent.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      const streamId = startEvent.detail.stream_id as string;
      expect(streamId).toMatch(/^st-/);

      const recStart = await waitFor(
        'Recording Start',
        () => eventsFor(channelArn, 'IVS Recording State Change', 'Recording Start')[0],
      );
      expect(recordingEventDetailSchema.parse(recStart.detail).recording_s3_bucket_name).toBe(BUCKET);

      const stream = (await client.send(new GetStreamCommand({ channelArn }))).stream!;
      expect(stream).toMatchObject({
        channelArn,
        streamId,
        state: 'LIVE',
        health: 'HEALTHY',
        playbackUrl: channel.playbackUrl,
      });
      expect(stream.viewerCount).toBe(1); // this test fetched the playlist
      // Nobody fetches the playlist from here on: that viewer leaves the count within the 5 s window
      // (with the 10 s local schedule and the page's 5 s read, a viewer who leaves is gone within 20 s).
      const lastSeen = Date.now();
      await waitFor(
        'viewer left',
        async () =>
          (await client.send(new GetStreamCommand({ channelArn }))).stream?.viewerCount === 0 ? true : undefined,
        15_000,
        250,
      );
      expect(Date.now() - lastSeen).toBeLessThan(8_000);
      const session = await waitFor('ingest stats', async () => {
        const s = (await client.send(new GetStreamSessionCommand({ channelArn, streamId }))).streamSession!;
        return (s.ingestConfiguration?.video?.targetBitrate ?? 0) > 0 ? s : undefined;
      });
      expect(session.channel?.arn).toBe(channelArn);
      expect(session.ingestConfiguration?.video?.codec).toBe('avc1');

      // PutMetadata limits: 1 KB, 5 TPS per channel.
      await client.send(new PutMetadataCommand({ channelArn, metadata: JSON.stringify({ type: 'sale', id: 1 }) }));
      await expect(
        client.send(new PutMetadataCommand({ channelArn, metadata: 'x'.repeat(1025) })),
      ).rejects.toBeInstanceOf(ValidationException);
      // No SDK retries here: the standard retry strategy would back off and succeed.
      const once = new IvsClient({
        region: 'us-east-1',
        endpoint: ivs.url,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        maxAttempts: 1,
      });
      const burst = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) => once.send(new PutMetadataCommand({ channelArn, metadata: `m${i}` }))),
      );
      expect(
        burst.filter((r) => r.status === 'rejected' && r.reason instanceof ThrottlingException).length,
      ).toBeGreaterThanOrEqual(1);
    } finally {
      await pub.stop();
    }

    const recEnd = await waitFor(
      'Recording End',
      () => eventsFor(channelArn, 'IVS Recording State Change', 'Recording End')[0],
      30_000,
    );
    await waitFor('Session Ended', () => eventsFor(channelArn, 'IVS Stream State Change', 'Session Ended')[0]);
    expect(eventsFor(channelArn, 'IVS Stream State Change', 'Stream End')).toHaveLength(1);
    const order = events
      .filter((e) => e.resources[0] === channelArn)
      .map((e) => String(e.detail.event_name ?? e.detail.recording_status));
    expect(order).toEqual([
      'Session Created',
      'Stream Start',
      'Recording Start',
      'Stream End',
      'Recording End',
      'Session Ended',
    ]);
    expect(ivs.live()).toEqual([]);
    await expect(client.send(new GetStreamCommand({ channelArn }))).rejects.toBeInstanceOf(ChannelNotBroadcasting);
    expect((await fetch(channel.playbackUrl!)).status).toBe(404);

    const detail = recordingEventDetailSchema.parse(recEnd.detail);
    expect(detail.recording_duration_ms).toBeGreaterThan(1000);
    expect(detail.recording_s3_key_prefix).toMatch(
      new RegExp(`^ivs/v1/000000000000/${channelId}/\\d{4}/\\d{1,2}/\\d{1,2}/\\d{1,2}/\\d{1,2}/[\\w-]+$`),
    );
    const prefix = detail.recording_s3_key_prefix;
    const keys = (await store.keys(BUCKET, `${prefix}/`)).map((o) => o.key.slice(prefix.length + 1));
    expect(keys).toEqual(
      expect.arrayContaining([
        'events/recording-started.json',
        'events/recording-ended.json',
        'media/hls/master.m3u8',
        'media/hls/source/playlist.m3u8',
      ]),
    );
    expect(keys.some((k) => /^media\/hls\/source\/\d+\.ts$/.test(k))).toBe(true);
    expect(keys.some((k) => /^media\/thumbnails\/source\/.+\.jpg$/.test(k))).toBe(true);

    const ended = recordingMetadataSchema.parse(
      JSON.parse((await store.read(BUCKET, `${prefix}/events/recording-ended.json`)).toString()),
    );
    expect(ended.recording_status).toBe('RECORDING_ENDED');
    expect(ended.media?.hls?.duration_ms).toBeGreaterThan(1000);
    const started = recordingMetadataSchema.parse(
      JSON.parse((await store.read(BUCKET, `${prefix}/events/recording-started.json`)).toString()),
    );
    expect(started.recording_status).toBe('RECORDING_STARTED');
    const master = (await store.read(BUCKET, `${prefix}/media/hls/master.m3u8`)).toString();
    expect(master).toMatch(/source\/playlist\.m3u8/);
    const rendition = (await store.read(BUCKET, `${prefix}/media/hls/source/playlist.m3u8`)).toString();
    expect(rendition).toMatch(/#EXT-X-ENDLIST/);
  });

  it('StopStream drops the publisher and ends the stream; a deleted key is then rejected', async () => {
    const { channel, key } = await newChannel('stop-user-1', false);
    const channelArn = channel.arn!;
    const pub = publish(`${ivs.rtmpUrl}${key.value}`);
    try {
      await waitFor('Stream Start', () => eventsFor(channelArn, 'IVS Stream State Change', 'Stream Start')[0], 30_000);
      await client.send(new StopStreamCommand({ channelArn }));
      const code = await Promise.race([
        pub.exited,
        new Promise<'running'>((r) => setTimeout(() => r('running'), 15_000)),
      ]);
      expect(code).not.toBe('running');
      await waitFor('Stream End', () => eventsFor(channelArn, 'IVS Stream State Change', 'Stream End')[0]);
      await waitFor('Session Ended', () => eventsFor(channelArn, 'IVS Stream State Change', 'Session Ended')[0]);
      // No recording configuration, no recording events.
      expect(eventsFor(channelArn, 'IVS Recording State Change')).toEqual([]);
    } finally {
      await pub.stop();
    }

    // Rotation: the old key is deleted, so a publisher using it is refused.
    await client.send(new DeleteStreamKeyCommand({ arn: key.arn }));
    const before = eventsFor(channelArn, 'IVS Stream State Change').length;
    const stale = publish(`${ivs.rtmpUrl}${key.value}`);
    const code = await Promise.race([
      stale.exited,
      new Promise<'running'>((r) => setTimeout(() => r('running'), 15_000)),
    ]);
    if (code === 'running') await stale.stop();
    expect(code).not.toBe('running');
    expect(eventsFor(channelArn, 'IVS Stream State Change').length).toBe(before);
  });

  it('keeps channels and keys across a restart (state under dataDir)', async () => {
    const { channel, key } = await newChannel('persist-user-1');
    await ivs.stop();
    await start();
    expect((await client.send(new GetChannelCommand({ arn: channel.arn }))).channel?.name).toBe('persist-user-1');
    expect((await client.send(new GetStreamKeyCommand({ arn: key.arn }))).streamKey?.value).toBe(key.value);
    // The restarted instance (same process) accepts the key: the old instance's ingest hooks are gone.
    const pub = publish(`${ivs.rtmpUrl}${key.value}`);
    try {
      await waitFor(
        'Stream Start after restart',
        () => eventsFor(channel.arn!, 'IVS Stream State Change', 'Stream Start')[0],
        30_000,
      );
    } finally {
      await pub.stop();
    }
  });
});
