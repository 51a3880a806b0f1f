/**
 * Local IVS ingest latency: ffmpeg publishes a 1280x720 30 fps test pattern (H.264 + AAC, real time)
 * with a 2 s, 1 s and 0.5 s keyframe interval to the local RTMP ingest; measured per run:
 * - publish -> first playable segment: from spawning the publisher until the live playlist lists a
 *   segment that downloads;
 * - publish -> first frame in amazon-ivs-player (headless Chromium);
 * - steady-state delay behind live seen by the player, glass to glass: wall-clock time of a sample
 *   minus the wall-clock time the frame under the playhead was published. The publisher runs with
 *   -re, so media time m was sent at (publish accepted + m); the frame under the playhead has media
 *   time = start of the first segment the player fetched (the first listed segment's PTS, which the
 *   local IVS keeps from the publisher, + the later segments' EXTINF from polling the playlist) + the
 *   player's getPosition() (0 at its first frame). Sampled every 500 ms for 10 s after 5 s of
 *   playback. (amazon-ivs-player's getLiveLatency() answers 0 for non-IVS HLS, so it is shown but
 *   not used.)
 * - the server-side share: how long after its last frame was published each segment first appears
 *   in the live playlist (polled every 200 ms, so about 0.1 s of it is the poll);
 * - the CPU the local IVS's ffmpeg uses (user + system time over the sampling window / wall time,
 *   1.0 = one core), and whether it re-encodes the live rendition.
 * Target: p50 ≤ 3.5 s behind live whatever the keyframe interval.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateChannelCommand, IvsClient } from '@aws-sdk/client-ivs';
import type { BenchTable } from './run';
import { localIvsCpuSeconds } from './processes';
import { BucketStore } from '../../local/s3/store';
import { startLocalIvs } from '../../local/ivs/index';
import { publish, segmentMediaStart, waitFor } from '../integration/local/ivs/helpers';
import { startPlayer } from '../integration/local/ivs/player';

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};
const p95 = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil(s.length * 0.95) - 1)] ?? NaN;
};
const r2 = (x: number) => Math.round(x * 100) / 100;

/**
 * Publisher keyframe intervals: OBS's default (2 s, what the README gives), OBS's shortest (1 s),
 * and 0.5 s (an encoder set by hand). The local IVS cuts 0.5 s segments, copying the last and
 * re-encoding the others (local/ivs/packaging.ts).
 */
const CONFIGS = process.env.BENCH_GOP_S ? [Number(process.env.BENCH_GOP_S)] : [2, 1, 0.5];

export default async function ingestLatency(): Promise<BenchTable[]> {
  const tables: BenchTable[] = [];
  for (const gop of CONFIGS) tables.push(await measure(gop));
  return tables;
}

async function measure(gop: number): Promise<BenchTable> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ivs-'));
  const store = new BucketStore(join(dir, 's3'));
  await store.createBucket('recordings');
  const ivs = await startLocalIvs({
    dataDir: join(dir, 'ivs'),
    recordings: { store, bucket: 'recordings' },
    onEvent: async () => undefined,
  });
  const client = new IvsClient({
    region: 'us-east-1',
    endpoint: ivs.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const rows: Record<string, string | number>[] = [];
  const steady: number[] = [];
  const cpus: number[] = [];
  try {
    for (let run = 1; run <= RUNS; run++) {
      const { channel, streamKey } = await client.send(
        new CreateChannelCommand({ name: `bench-${run}`, latencyMode: 'LOW' }),
      );
      const url = channel!.playbackUrl!;
      const t0 = Date.now();
      const pub = publish(`${ivs.rtmpUrl}${streamKey!.value}`, {
        size: '1280x720',
        extraArgs: ['-g', String(Math.round(30 * gop)), '-keyint_min', String(Math.round(30 * gop)), '-b:v', '2500k'],
      });
      const player = await startPlayer();
      // Segment durations by media sequence number, from polling the live playlist.
      const durations = new Map<number, number>();
      // When each segment was first seen listed (wall-clock ms).
      const listedAt = new Map<number, number>();
      let polling = true;
      const poller = (async () => {
        while (polling) {
          const res = await fetch(url).catch(() => undefined);
          if (res?.ok) {
            const text = await res.text();
            let seq = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? 0);
            for (const m of text.matchAll(/#EXTINF:([\d.]+)/g)) {
              if (!listedAt.has(seq)) listedAt.set(seq, Date.now());
              durations.set(seq++, Number(m[1]));
            }
          }
          await sleep(200);
        }
      })();
      let firstSeq: number | undefined;
      player.page.on('request', (req) => {
        const m = /seg(\d+)\.ts$/.exec(req.url());
        if (m && firstSeq === undefined) firstSeq = Number(m[1]);
      });
      try {
        await waitFor(
          'the first playable segment',
          async () => {
            const res = await fetch(url);
            if (!res.ok) return undefined;
            const seg = /^(\S+\.ts)$/m.exec(await res.text())?.[1];
            if (!seg) return undefined;
            return (await fetch(url.replace('index.m3u8', seg))).ok ? true : undefined;
          },
          30_000,
          50,
        );
        const firstSegment = (Date.now() - t0) / 1000;
        const firstListed = /^(seg\d+\.ts)$/m.exec(await (await fetch(url)).text())?.[1] ?? 'seg00000.ts';
        const firstListedSeq = Number(/\d+/.exec(firstListed)?.[0] ?? 0);
        const firstListedStart = await segmentMediaStart(url.replace('index.m3u8', firstListed));
        // A viewer joining a stream already live (BENCH_JOIN_AFTER_S) vs at its start (default).
        await sleep(Number(process.env.BENCH_JOIN_AFTER_S ?? 0) * 1000);
        await player.load(url);
        const playingAt = await waitFor('the player to play', () => player.firstPlayingAt(), 30_000, 50);
        const firstFrame = (playingAt - t0) / 1000;
        await sleep(5000);
        const mediaZero = ivs.live().find((l) => channel!.arn!.endsWith(l.channelId))?.mediaZeroAt ?? NaN;
        let firstSegmentStart = firstListedStart ?? NaN;
        for (let seq = firstListedSeq; seq < (firstSeq ?? 0); seq++) firstSegmentStart += durations.get(seq) ?? NaN;
        const cpuFrom = localIvsCpuSeconds();
        const wallFrom = Date.now();
        const latencies: number[] = [];
        const playerApi: number[] = [];
        for (let i = 0; i < 20; i++) {
          const p = await player.position();
          if (p) latencies.push((p.at - mediaZero) / 1000 - (firstSegmentStart + p.position));
          const l = await player.liveLatency();
          if (l !== undefined && Number.isFinite(l)) playerApi.push(l);
          await sleep(500);
        }
        const cpu = (localIvsCpuSeconds() - cpuFrom) / ((Date.now() - wallFrom) / 1000);
        const skips = await player.skips();
        // Media end of each segment listed during the sampling, against the wall-clock time it appeared.
        const lags: number[] = [];
        let end = firstListedStart ?? NaN;
        for (let seq = firstListedSeq; durations.has(seq); seq++) {
          end += durations.get(seq)!;
          const at = listedAt.get(seq);
          if (at !== undefined && at >= wallFrom) lags.push((at - mediaZero) / 1000 - end);
        }
        cpus.push(cpu);
        steady.push(...latencies);
        rows.push({
          run,
          'publish→first segment (s)': r2(firstSegment),
          'publish→first frame (s)': r2(firstFrame),
          'behind live median (s)': r2(median(latencies)),
          'behind live p95 (s)': r2(p95(latencies)),
          'getLiveLatency median (s)': r2(median(playerApi)),
          'segment listed after its end median (s)': r2(median(lags)),
          // What the player adds on top of the server: its buffer, the playlist reload, the download.
          'player share (s)': r2(median(latencies) - median(lags)),
          're-encoded': ivs.live()[0]?.reencode ? 'yes' : 'no',
          'catch-up skip (s)': skips.length ? skips.map((k) => r2(k.by)).join('+') : '-',
          rebuffers: await player.rebuffers(),
          'local IVS CPU (cores)': r2(cpu),
          samples: latencies.length,
        });
      } finally {
        polling = false;
        await poller;
        await player.close();
        await pub.stop();
      }
      await sleep(500);
    }
  } finally {
    await ivs.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const m = median(steady);
  return {
    title: `Local IVS ingest latency, 720p30 publisher with ${gop} s keyframes, 0.5 s live segments (ffmpeg RTMP -> node-media-server -> ffmpeg HLS -> amazon-ivs-player in headless Chromium), ${RUNS} runs`,
    rows,
    verdict: `Target: p50 ≤ 3.5 s behind live. ${gop} s keyframes: median over all samples ${r2(m)} s, p95 ${r2(p95(steady))} s, local IVS CPU median ${r2(median(cpus))} cores: ${m <= 3.5 ? 'met' : 'NOT met'}.`,
  };
}
