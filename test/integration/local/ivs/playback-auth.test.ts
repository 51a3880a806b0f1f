/**
 * Private channels on the local IVS, as IVS documents them: a playback key pair imported through
 * @aws-sdk/client-ivs, an `authorized` channel that plays only with a valid ES384 token on the
 * playback URL, and session-bound playlist and segment URLs behind it. Each refusal is a 403.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictException,
  CreateChannelCommand,
  DeletePlaybackKeyPairCommand,
  GetPlaybackKeyPairCommand,
  ImportPlaybackKeyPairCommand,
  IvsClient,
  ListPlaybackKeyPairsCommand,
  UpdateChannelCommand,
  ValidationException,
  type Channel,
} from '@aws-sdk/client-ivs';
import { BucketStore } from '../../../../local/s3/store';
import { startLocalIvs, type LocalIvs } from '../../../../local/ivs/index';
import {
  newPlaybackKeyPair,
  playbackClaims,
  signPlaybackToken,
} from '../../../../lambdas/shared/domain/playback-token';
import { publish, waitFor, type Publisher } from './helpers';

const IDLE_MS = 3_000;
let dir: string;
let ivs: LocalIvs;
let client: IvsClient;
let privateChannel: Channel;
let otherChannel: Channel;
let publisher: Publisher;
const keys = newPlaybackKeyPair();
const token = (channelArn: string, opts: { nowMs?: number; origins?: string[] } = {}) =>
  signPlaybackToken(playbackClaims(channelArn, opts), keys.privateKeyPem);
const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { headers });

/** The multivariant playlist of a new session, and its variant's URL. */
async function openSession(channel: Channel): Promise<{ variantUrl: string }> {
  const url = `${channel.playbackUrl}?token=${token(channel.arn!)}`;
  const res = await get(url);
  expect(res.status).toBe(200);
  const text = await res.text();
  expect(text).toMatch(/#EXT-X-STREAM-INF:BANDWIDTH=\d+/);
  const variant = text.split('\n').find((l) => l && !l.startsWith('#')) as string;
  expect(variant).not.toContain('token');
  return { variantUrl: new URL(variant, url).toString() };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'local-ivs-auth-'));
  const store = new BucketStore(join(dir, 's3'));
  await store.createBucket('recordings');
  ivs = await startLocalIvs({
    dataDir: join(dir, 'ivs'),
    port: 0,
    rtmpPort: 0,
    recordings: { store, bucket: 'recordings' },
    onEvent: async () => undefined,
    playbackSessionIdleMs: IDLE_MS,
  });
  client = new IvsClient({
    region: 'us-east-1',
    endpoint: ivs.url,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  await client.send(new ImportPlaybackKeyPairCommand({ name: 'test-playback', publicKeyMaterial: keys.publicKeyPem }));
  const created = await client.send(
    new CreateChannelCommand({ name: 'private-1', latencyMode: 'LOW', type: 'STANDARD', authorized: true }),
  );
  privateChannel = created.channel!;
  otherChannel = (await client.send(new CreateChannelCommand({ name: 'private-2', authorized: true }))).channel!;
  publisher = publish(`${ivs.rtmpUrl}${created.streamKey!.value!}`);
  // Live once ffmpeg has written the playlist (before that the channel answers 404, as an offline one).
  await waitFor(
    'the private channel live',
    async () =>
      (await get(`${privateChannel.playbackUrl}?token=${token(privateChannel.arn!)}`)).ok ? true : undefined,
    30_000,
    200,
  );
}, 60_000);

afterAll(async () => {
  await publisher?.stop();
  await ivs?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('playback key pairs', () => {
  it('imports, reads, lists and deletes; refuses a second import of the same key and a key that is not P-384', async () => {
    const listed = await client.send(new ListPlaybackKeyPairsCommand({}));
    const pair = listed.keyPairs?.find((k) => k.name === 'test-playback');
    expect(pair?.arn).toMatch(/^arn:aws:ivs:us-east-1:000000000000:playback-key\/[A-Za-z0-9]{12}$/);
    expect((await client.send(new GetPlaybackKeyPairCommand({ arn: pair!.arn }))).keyPair?.fingerprint).toMatch(
      /^[0-9a-f]{2}(:[0-9a-f]{2}){31}$/,
    );
    await expect(
      client.send(new ImportPlaybackKeyPairCommand({ publicKeyMaterial: keys.publicKeyPem })),
    ).rejects.toBeInstanceOf(ConflictException);
    await expect(
      client.send(new ImportPlaybackKeyPairCommand({ publicKeyMaterial: 'not a key' })),
    ).rejects.toBeInstanceOf(ValidationException);
    const spare = newPlaybackKeyPair();
    const imported = await client.send(
      new ImportPlaybackKeyPairCommand({ name: 'spare', publicKeyMaterial: spare.publicKeyPem }),
    );
    await client.send(new DeletePlaybackKeyPairCommand({ arn: imported.keyPair!.arn }));
    expect((await client.send(new ListPlaybackKeyPairsCommand({}))).keyPairs?.map((k) => k.name)).toEqual([
      'test-playback',
    ]);
  });

  it('UpdateChannel changes authorized while offline and is refused while live', async () => {
    const updated = await client.send(new UpdateChannelCommand({ arn: otherChannel.arn, authorized: false }));
    expect(updated.channel?.authorized).toBe(false);
    await client.send(new UpdateChannelCommand({ arn: otherChannel.arn, authorized: true }));
    await expect(
      client.send(new UpdateChannelCommand({ arn: privateChannel.arn, authorized: false })),
    ).rejects.toBeInstanceOf(ConflictException);
  });
});

describe('an authorized channel on the playback URL', () => {
  it('plays with a valid token: multivariant → session playlist → segment', async () => {
    const { variantUrl } = await openSession(privateChannel);
    const media = await waitFor(
      'segments in the session playlist',
      async () => {
        const res = await get(variantUrl);
        const text = res.ok ? await res.text() : '';
        return text.includes('#EXTINF') ? text : undefined;
      },
      30_000,
      200,
    );
    const segment = /^(seg\d+\.ts)$/m.exec(media)?.[1] as string;
    const seg = await get(new URL(segment, variantUrl).toString());
    expect(seg.status).toBe(200);
    expect(seg.headers.get('content-type')).toBe('video/mp2t');
    expect((await seg.arrayBuffer()).byteLength).toBeGreaterThan(1000);
  }, 40_000);

  it.each([
    ['missing', () => privateChannel.playbackUrl!, 'MISSING'],
    [
      'expired',
      () => `${privateChannel.playbackUrl}?token=${token(privateChannel.arn!, { nowMs: Date.now() - 10 * 60_000 })}`,
      'EXPIRED',
    ],
    ['for another channel', () => `${privateChannel.playbackUrl}?token=${token(otherChannel.arn!)}`, 'WRONG_CHANNEL'],
    [
      'tampered',
      () => {
        const [h, , s] = token(otherChannel.arn!).split('.');
        const body = Buffer.from(JSON.stringify(playbackClaims(privateChannel.arn!))).toString('base64url');
        return `${privateChannel.playbackUrl}?token=${h}.${body}.${s}`;
      },
      'BAD_SIGNATURE',
    ],
  ])('refuses the playlist with a token %s: 403', async (_name, url, reason) => {
    const res = await get(url());
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual([{ error: 'Forbidden', reason }]);
  });

  it('refuses a page of another origin when the token names its origins', async () => {
    const url = `${privateChannel.playbackUrl}?token=${token(privateChannel.arn!, { origins: ['https://shop.example'] })}`;
    expect((await get(url, { origin: 'https://evil.example' })).status).toBe(403);
    expect((await get(url, { origin: 'https://shop.example' })).status).toBe(200);
  });
});

describe('segments and playlists behind the playback URL', () => {
  const segmentName = async (variantUrl: string) =>
    waitFor(
      'a segment',
      async () => {
        const text = await (await get(variantUrl)).text();
        return /^(seg\d+\.ts)$/m.exec(text)?.[1];
      },
      30_000,
      200,
    );

  it('refuses a segment without a session (the channel path directly): 403', async () => {
    const { variantUrl } = await openSession(privateChannel);
    const segment = await segmentName(variantUrl);
    const direct = await get(`${ivs.playbackBaseUrl}/${privateChannel.arn!.split('/').pop()}/${segment}`);
    expect(direct.status).toBe(403);
    expect(await direct.json()).toEqual([{ error: 'Forbidden', reason: 'NO_SESSION' }]);
  }, 40_000);

  it('refuses a session URL on another channel and a made-up session: 403', async () => {
    const { variantUrl } = await openSession(privateChannel);
    const segment = await segmentName(variantUrl);
    const otherId = otherChannel.arn!.split('/').pop() as string;
    const ownId = privateChannel.arn!.split('/').pop() as string;
    const session = /\/s\/([^/]+)\//.exec(variantUrl)?.[1] as string;
    const wrong = await get(`${ivs.playbackBaseUrl}/${otherId}/s/${session}/${segment}`);
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toEqual([{ error: 'Forbidden', reason: 'WRONG_CHANNEL' }]);
    const tampered = await get(`${ivs.playbackBaseUrl}/${ownId}/s/${session.slice(0, -2)}xx/${segment}`);
    expect(tampered.status).toBe(403);
    expect(await tampered.json()).toEqual([{ error: 'Forbidden', reason: 'UNKNOWN_SESSION' }]);
  }, 40_000);

  it('refuses a session left unused past its idle time, playlist and segment alike: 403', async () => {
    const { variantUrl } = await openSession(privateChannel);
    const segment = await segmentName(variantUrl);
    await new Promise((r) => setTimeout(r, IDLE_MS + 500));
    const seg = await get(new URL(segment, variantUrl).toString());
    expect(seg.status).toBe(403);
    expect(await seg.json()).toEqual([{ error: 'Forbidden', reason: 'SESSION_EXPIRED' }]);
    expect((await get(variantUrl)).status).toBe(403);
  }, 40_000);
});
