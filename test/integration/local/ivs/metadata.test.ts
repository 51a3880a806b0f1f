/**
 * PutMetadata in the live HLS: the local HLS server injects an ID3 TXXX tag (timed_id3 stream) into
 * the segment holding the call's media time, at the matching PTS, after the PRIV heartbeat every
 * served segment starts with (checked with ffprobe); amazon-ivs-player in headless Chromium raises
 * TEXT_METADATA_CUE for each call, once, in order, when the playhead reaches the picture that was
 * being published when the call was made. See docs/local-ivs.md, "Timed metadata".
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CreateChannelCommand, IvsClient, PutMetadataCommand } from '@aws-sdk/client-ivs';
import { BucketStore } from '../../../../local/s3/store';
import { startLocalIvs, type LocalIvs } from '../../../../local/ivs/index';
import { publish, segmentMediaStart, waitFor, type Publisher } from './helpers';
import { MPEGTS_OFFSET_PTS } from '../../../../local/ivs/packaging';
import { startPlayer, type PlayerHarness } from './player';

let dir: string;
let ivs: LocalIvs;
let player: PlayerHarness | undefined;
let pub: Publisher | undefined;
let polling = false;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'local-ivs-meta-'));
  const store = new BucketStore(join(dir, 's3'));
  await store.createBucket('recordings');
  ivs = await startLocalIvs({
    dataDir: join(dir, 'ivs'),
    port: 0,
    rtmpPort: 0,
    recordings: { store, bucket: 'recordings' },
    onEvent: async () => undefined,
  });
});

afterAll(async () => {
  polling = false;
  await player?.close();
  await pub?.stop();
  await ivs?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Packet {
  codec_type: string;
  pts_time: string;
  data?: string;
}

/** ffprobe's packets of a served segment, with each data packet's payload decoded (ffmpeg drops the tag's first 5 bytes). */
async function probeSegment(
  url: string,
  body?: Buffer,
): Promise<{ firstVideo: number; data: { pts: number; text: string }[] }> {
  const file = join(dir, url.split('/').pop()!);
  writeFileSync(file, body ?? Buffer.from(await (await fetch(url)).arrayBuffer()));
  const { packets } = JSON.parse(
    execFileSync('ffprobe', ['-v', 'error', '-show_packets', '-show_data', '-of', 'json', file]).toString(),
  ) as { packets: Packet[] };
  const decode = (p: Packet) =>
    Buffer.from(
      (p.data ?? '')
        .split('\n')
        .map((l) => l.slice(10, 50).replace(/\s/g, ''))
        .join(''),
      'hex',
    ).toString('utf8');
  return {
    firstVideo: Number(packets.find((p) => p.codec_type === 'video')?.pts_time ?? NaN),
    data: packets.filter((p) => p.codec_type === 'data').map((p) => ({ pts: Number(p.pts_time), text: decode(p) })),
  };
}

/** Wall-clock time the publisher sent media time 0, as the local IVS anchors it. */
const startOf = (channelArn: string) => ivs.live().find((l) => channelArn.endsWith(l.channelId))!.mediaZeroAt;

it("injects each PutMetadata as an ID3 TXXX tag into the live segment holding the call's media time, at that PTS, after a heartbeat in every segment", async () => {
  const client = new IvsClient({
    region: 'us-east-1',
    endpoint: ivs.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { channel, streamKey } = await client.send(
    new CreateChannelCommand({ name: 'meta-ffprobe-1', latencyMode: 'LOW' }),
  );
  const base = channel!.playbackUrl!.replace('index.m3u8', '');
  const publisher = publish(`${ivs.rtmpUrl}${streamKey!.value}`);
  try {
    await waitFor(
      'the first live segment',
      async () => ((await (await fetch(channel!.playbackUrl!)).text()).includes('seg00000.ts') ? true : undefined),
      30_000,
      200,
    );
    const zero = MPEGTS_OFFSET_PTS / 90_000; // media time 0: the publisher's timestamps are kept
    await new Promise((r) => setTimeout(r, 1500));
    const text = JSON.stringify({ type: 'sale', productId: 'p1', price: 1999, note: 'größe ✓' });
    const putAt = Date.now();
    await client.send(new PutMetadataCommand({ channelArn: channel!.arn, metadata: text }));
    const callMedia = (putAt - startOf(channel!.arn!)) / 1000;
    // Wait until the segment holding the call is complete (the live window is 6 segments of 0.5 s), then fetch every listed segment.
    await new Promise((r) => setTimeout(r, 1200));
    const playlist = await (await fetch(channel!.playbackUrl!)).text();
    const found: { segmentMedia: number; ptsOffset: number; data: string }[] = [];
    // Downloaded at once: the live window is 3 s, shorter than probing them one by one on a loaded machine.
    const names = playlist.split('\n').filter((l) => l.endsWith('.ts'));
    const bodies = await Promise.all(
      names.map(async (name) => Buffer.from(await (await fetch(`${base}${name}`)).arrayBuffer())),
    );
    for (const [i, name] of names.entries()) {
      const seg = await probeSegment(`${base}${name}`, bodies[i]);
      // The heartbeat: a PRIV tag at the segment's first video PTS.
      expect(seg.data[0]?.text).toContain('PRIV');
      expect(seg.data[0]?.text).toContain('local.ivs/segment');
      expect(Math.abs(seg.data[0]!.pts - seg.firstVideo)).toBeLessThan(0.001);
      for (const tag of seg.data.filter((d) => d.text.includes('TXXX')))
        found.push({ segmentMedia: seg.firstVideo - zero, ptsOffset: tag.pts - seg.firstVideo, data: tag.text });
    }
    expect(found).toHaveLength(1);
    const tag = found[0]!;
    expect(tag.data).toContain(text);
    // In the segment holding the call's media time, at the call's offset into it (±0.1 s: the PutMetadata round trip).
    expect(tag.ptsOffset).toBeGreaterThanOrEqual(0);
    expect(Math.abs(tag.segmentMedia + tag.ptsOffset - callMedia)).toBeLessThan(0.1);
  } finally {
    await publisher.stop();
  }
});

it('delivers PutMetadata to amazon-ivs-player as TEXT_METADATA_CUE, once each, in order, when the playhead reaches the picture published at the call', async () => {
  const client = new IvsClient({
    region: 'us-east-1',
    endpoint: ivs.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const { channel, streamKey } = await client.send(
    new CreateChannelCommand({ name: 'meta-user-1', latencyMode: 'LOW' }),
  );
  const url = channel!.playbackUrl!;
  pub = publish(`${ivs.rtmpUrl}${streamKey!.value}`);
  await waitFor(
    'the live playlist',
    async () => ((await (await fetch(url)).text()).includes('#EXTINF') ? true : undefined),
    30_000,
    200,
  );
  const firstListed = /^(seg\d+\.ts)$/m.exec(await (await fetch(url)).text())?.[1] ?? 'seg00000.ts';
  const firstListedSeq = Number(/\d+/.exec(firstListed)?.[0] ?? 0);
  const firstListedStart = await segmentMediaStart(url.replace('index.m3u8', firstListed));
  // Segment durations by media sequence number: the player's position 0 is the start of the first segment it fetched.
  const durations = new Map<number, number>();
  polling = true;
  void (async () => {
    while (polling) {
      const res = await fetch(url).catch(() => undefined);
      if (res?.ok) {
        const body = await res.text();
        let seq = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(body)?.[1] ?? 0);
        for (const m of body.matchAll(/#EXTINF:([\d.]+)/g)) durations.set(seq++, Number(m[1]));
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  })();

  player = await startPlayer();
  let firstSeq: number | undefined;
  player.page.on('request', (req) => {
    const m = /seg(\d+)\.ts$/.exec(req.url());
    if (m && firstSeq === undefined) firstSeq = Number(m[1]);
  });
  await player.load(url);
  await waitFor('the player to play', async () => await player!.firstPlayingAt(), 30_000, 200);

  const sent: { text: string; at: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const text = JSON.stringify({ type: 'sale', productId: `p${i}`, price: 1000 + i });
    sent.push({ text, at: Date.now() });
    await client.send(new PutMetadataCommand({ channelArn: channel!.arn, metadata: text }));
    await new Promise((r) => setTimeout(r, 1500));
  }
  await waitFor('all cues', async () => ((await player!.cues()).length >= sent.length ? true : undefined), 10_000, 250);
  await new Promise((r) => setTimeout(r, 1000));
  const cues = await player.cues();
  polling = false;
  expect(await player.errors()).toEqual([]);
  expect(cues.map((c) => c.text)).toEqual(sent.map((s) => s.text));

  // Media time (s since the publish) of each call, of each cue's start, and of the playhead when it fired.
  const zero = startOf(channel!.arn!);
  let firstSegmentStart = firstListedStart ?? NaN;
  for (let seq = firstListedSeq; seq < (firstSeq ?? 0); seq++) firstSegmentStart += durations.get(seq) ?? NaN;
  const placed = cues.map((c, i) => firstSegmentStart + c.startTime - (sent[i]!.at - zero) / 1000);
  const fired = cues.map((c, i) => firstSegmentStart + c.position - (sent[i]!.at - zero) / 1000);
  for (let i = 0; i < cues.length; i++) {
    expect(Math.abs(placed[i]!)).toBeLessThan(0.15);
    expect(fired[i]!).toBeGreaterThanOrEqual(placed[i]! - 0.01);
    expect(fired[i]! - placed[i]!).toBeLessThan(0.5);
  }
  const wall = cues.map((c, i) => (c.at - sent[i]!.at) / 1000);
  console.log(
    `cue start - call (media s): ${placed.map((d) => d.toFixed(3)).join(', ')}; playhead at firing - call: ${fired.map((d) => d.toFixed(3)).join(', ')}; call -> cue (wall s): ${wall.map((d) => d.toFixed(2)).join(', ')}`,
  );
});
