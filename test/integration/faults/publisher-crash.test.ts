/**
 * The RTMP publisher (ffmpeg) killed mid-stream with SIGKILL, as a crashed encoder or a pulled
 * cable leaves it: no RTMP close, just a dead socket. The stream still ends (Stream End), its
 * recording ends and is indexed, the replay plays (master and media playlists closed with
 * ENDLIST, every segment fetchable, as long as the recording says), and the same key goes live again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withSignedQuery } from '../../../lambdas/shared/domain/signed-urls';
import { gql, provisionChannel, type LocalSession } from '../../../local/client';
import type { LocalPlatform } from '../../../local/start';
import { publish, type Publisher } from '../local/ivs/helpers';
import { account, removeDataDir, startPlatform, until, SETUP_TIMEOUT_MS } from './support';

let platform: LocalPlatform;
let dataDir: string;
let streamer: LocalSession;
let streamKey: string;
const publishers: Publisher[] = [];

type StreamerState = { status: string; currentStreamId: string | null; playbackUrl: string | null };
const state = async (): Promise<StreamerState> =>
  (
    await gql<{ streamer: StreamerState }>(
      platform.endpoints.graphqlUrl,
      '{ streamer(handle: "caster") { status currentStreamId playbackUrl } }',
    )
  ).streamer;

/**
 * A media playlist's segment URIs and total duration (seconds), resolved against its own URL; with a
 * CloudFront signing query (a replay), each URI carries it, as the web app's player requests do.
 */
async function mediaPlaylist(
  url: string,
  signing = '',
): Promise<{ text: string; segments: string[]; seconds: number }> {
  const res = await fetch(signing ? withSignedQuery(url, signing) : url);
  expect(res.status, url).toBe(200);
  const text = await res.text();
  const lines = text.split('\n').map((l) => l.trim());
  const segments = lines
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => new URL(l, url).toString())
    .map((u) => (signing ? withSignedQuery(u, signing) : u));
  const seconds = lines
    .filter((l) => l.startsWith('#EXTINF:'))
    .reduce((sum, l) => sum + Number.parseFloat(l.slice(8)), 0);
  return { text, segments, seconds };
}

beforeAll(async () => {
  ({ platform, dataDir } = await startPlatform());
  streamer = await account(platform, 'caster@example.com', 'caster');
  await provisionChannel(platform.endpoints.graphqlUrl, streamer.idToken, 'caster');
  streamKey = (
    await gql<{ myStreamKey: { streamKey: string } }>(
      platform.endpoints.graphqlUrl,
      '{ myStreamKey { streamKey } }',
      {},
      streamer.accessToken,
    )
  ).myStreamKey.streamKey;
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  for (const p of publishers) p.child.kill('SIGKILL');
  await Promise.all(publishers.map((p) => p.exited));
  await platform?.stop();
  removeDataDir(dataDir);
});

describe('RTMP publisher killed mid-stream', () => {
  it('ends the stream, indexes a replay that plays to its end, and goes live again on the same key', async () => {
    const e = platform.endpoints;
    const first = publish(`${e.rtmpUrl}${streamKey}`);
    publishers.push(first);
    const live = await until(
      'the stream to go live',
      async () => {
        const s = await state();
        return s.status === 'LIVE' && s.currentStreamId ? s : undefined;
      },
      60_000,
    );
    // Video in the live playlist, then some seconds more before the crash. The live playlist is a
    // sliding window of short segments (0.5 s), so it never holds 6 s itself: wait on the clock.
    await until(
      'live video',
      async () => {
        const res = await fetch(live.playbackUrl as string);
        if (!res.ok) return undefined;
        const text = await res.text();
        const variant = text.includes('#EXT-X-STREAM-INF')
          ? new URL(
              text.split('\n').find((l) => l && !l.startsWith('#')) as string,
              live.playbackUrl as string,
            ).toString()
          : (live.playbackUrl as string);
        return (await mediaPlaylist(variant)).seconds >= 1 || undefined;
      },
      60_000,
      500,
    );
    await new Promise((r) => setTimeout(r, 6_000));

    const killedAt = Date.now();
    first.child.kill('SIGKILL');
    expect(await first.exited).toBeNull();

    const ended = await until(
      'Stream End',
      async () => {
        const s = await state();
        return s.status !== 'LIVE' ? s : undefined;
      },
      90_000,
      500,
    );
    expect(ended.currentStreamId).toBeNull();
    const endedAt = Date.now();

    type Rec = {
      recordingId: string;
      state: string;
      streamId: string | null;
      durationMs: number | null;
      endedAt: string | null;
    };
    const recording = await until(
      'the recording to be indexed',
      async () => {
        const r = await gql<{ recordings: { items: Rec[] } }>(
          e.graphqlUrl,
          `{ recordings(userId: "${streamer.sub}") { items { recordingId state streamId durationMs endedAt } } }`,
        );
        return r.recordings.items.find((i) => i.streamId === live.currentStreamId && i.state === 'AVAILABLE');
      },
      60_000,
      500,
    );
    expect(recording.durationMs).toBeGreaterThanOrEqual(5_000);
    expect(recording.endedAt).toBeTruthy();

    const { replay } = await gql<{ replay: { status: string; playbackUrl: string | null } }>(
      e.graphqlUrl,
      `{ replay(recordingId: "${recording.recordingId}") { status playbackUrl } }`,
    );
    expect(replay.status).toBe('READY');
    const master = await fetch(replay.playbackUrl as string);
    expect(master.status).toBe(200);
    expect(master.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const variants = (await master.text())
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    expect(variants.length).toBeGreaterThan(0);
    for (const variant of variants) {
      // Replays are CloudFront signed URLs over the whole recording (docs/safety.md, "Replays").
      const signing = new URL(replay.playbackUrl as string).search.slice(1);
      expect(signing).toContain('Signature=');
      const media = await mediaPlaylist(new URL(variant, replay.playbackUrl as string).toString(), signing);
      expect(media.text).toContain('#EXT-X-ENDLIST');
      expect(media.segments.length).toBeGreaterThan(0);
      // The replay holds what was streamed: within a segment or two of the recording's duration.
      expect(Math.abs(media.seconds * 1000 - (recording.durationMs as number))).toBeLessThan(3_000);
      for (const segment of media.segments) {
        const res = await fetch(segment);
        expect(res.status, segment).toBe(200);
        expect((await res.arrayBuffer()).byteLength, segment).toBeGreaterThan(0);
      }
    }

    const second = publish(`${e.rtmpUrl}${streamKey}`);
    publishers.push(second);
    const again = await until(
      'the stream to go live again',
      async () => {
        const s = await state();
        return s.status === 'LIVE' && s.currentStreamId && s.currentStreamId !== live.currentStreamId ? s : undefined;
      },
      60_000,
    );
    expect(again.playbackUrl).toBeTruthy();
    await second.stop();
    console.info(
      `publisher killed: Stream End seen after ${((endedAt - killedAt) / 1000).toFixed(1)} s; replay of ${recording.durationMs} ms; live again`,
    );
  }, 240_000);
});
