/**
 * Replays of a followers-only channel through the local CloudFront (docs/safety.md, "Replays"): a
 * follower's Query.replay answers a signed URL with which the multivariant playlist, the rendition's
 * playlist and its segments all play; a viewer who does not follow (and a guest) gets FOLLOW_REQUIRED
 * with no URL and no sales. The distribution refuses the recording's HLS with 403 when the signature
 * is missing, expired, tampered with, made by a key it does not trust, or made for another recording,
 * while thumbnails (the default behavior) stay public. Local GraphQL (the resolver and auth rules),
 * the replay function, the local S3, Secrets Manager and CloudFront.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followKey, profileKey, recordingKey } from '../../../lambdas/shared/domain/keys';
import {
  newSigningKeyPair,
  SIGNED_PATH_PATTERN,
  signedQuery,
  signPolicy,
  withSignedQuery,
} from '../../../lambdas/shared/domain/signed-urls';
import { startLocalCloudFront, type LocalCloudFront } from '../../../local/cloudfront/index';
import { startLocalS3, type LocalS3 } from '../../../local/s3/index';
import { startLocalSecretsManager, type LocalSecretsManager } from '../../../local/secretsmanager/index';
import { useEconomyApi, type User } from '../economy/harness';

const api = useEconomyApi({
  conserve: false,
  invokeLambda: async (name, payload) => {
    if (name !== 'replay') throw new Error(`no ${name} in this test`);
    // Imported once the environment points at this test's stand-ins (the function reads it at load).
    const { handler } = await import('../../../lambdas/replay/handler');
    return handler(payload as Parameters<typeof handler>[0]);
  },
});
const { db } = api;

const BUCKET = 'recordings';
const KEY_ID = 'K2TESTREPLAYKEY';
const owner: User = { sub: 'u-owner', handle: 'olga' };
const follower: User = { sub: 'u-fan', handle: 'fay' };
const viewer: User = { sub: 'u-viewer', handle: 'vera' };
const PREFIX = 'ivs/v1/000000000000/AbCdEf123456/2026/12/3/6/0/rSession01';
const OTHER = 'ivs/v1/000000000000/AbCdEf123456/2026/12/3/7/0/rSession02';
const REPLAY = `query($r: ID!) { replay(recordingId: $r) { status playbackUrl message sales { saleId } recording { handle title } } }`;
const keys = newSigningKeyPair();
const stranger = newSigningKeyPair();

let dir: string;
let s3: LocalS3;
let secrets: LocalSecretsManager;
let cloudfront: LocalCloudFront;

/** Writes a small recording in IVS's layout: multivariant playlist, one rendition, two segments, a thumbnail. */
async function writeRecording(prefix: string): Promise<void> {
  const put = (key: string, body: string | Buffer) => s3.store.write(BUCKET, `${prefix}/${key}`, Buffer.from(body), {});
  await put('media/hls/master.m3u8', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=3000000\n720p30/playlist.m3u8\n');
  await put(
    'media/hls/720p30/playlist.m3u8',
    '#EXTM3U\n#EXT-X-TARGETDURATION:6\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXTINF:6.0,\n0.ts\n#EXTINF:6.0,\n1.ts\n#EXT-X-ENDLIST\n',
  );
  await put('media/hls/720p30/0.ts', Buffer.alloc(188 * 4, 0x47));
  await put('media/hls/720p30/1.ts', Buffer.alloc(188 * 4, 0x47));
  await put('media/latest_thumbnail/thumb.jpg', Buffer.from([0xff, 0xd8, 0xff, 0xd9]));
}

async function seedRecording(recordingId: string, prefix: string): Promise<void> {
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        ...recordingKey(recordingId),
        type: 'Recording',
        recordingId,
        userId: owner.sub,
        handle: owner.handle,
        title: 'Friday packs',
        state: 'AVAILABLE',
        bucket: BUCKET,
        s3Prefix: prefix,
        startedAt: '2026-12-03T06:00:00.000Z',
        durationMs: 12_000,
        saleCount: 0,
        keep: false,
      },
    }),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'replay-access-'));
  s3 = await startLocalS3({ dataDir: join(dir, 's3'), port: 0, buckets: [BUCKET] });
  cloudfront = await startLocalCloudFront({
    originUrl: `${s3.url}/${BUCKET}`,
    signedPathPattern: SIGNED_PATH_PATTERN,
    port: 0,
  });
  cloudfront.trustKey(KEY_ID, keys.publicKeyPem);
  secrets = await startLocalSecretsManager({ secrets: { 'test-replay-key': JSON.stringify(keys) } });
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: db.lambdaEndpoint,
    AWS_ENDPOINT_URL_S3: s3.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    REPLAY_BASE_URL: cloudfront.url,
    REPLAY_KEY_SECRET: 'test-replay-key',
    REPLAY_KEY_PAIR_ID: KEY_ID,
    JOBS_BUS_NAME: 'test-jobs',
  });
  await writeRecording(PREFIX);
  await writeRecording(OTHER);
  await seedRecording('rec_one', PREFIX);
  await seedRecording('rec_two', OTHER);
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        ...profileKey(owner.sub),
        type: 'Profile',
        userId: owner.sub,
        handle: owner.handle,
        status: 'OFFLINE',
        audience: 'FOLLOWERS',
        tags: [],
        followerCount: 1,
      },
    }),
  );
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        ...followKey(follower.sub, owner.sub),
        type: 'Follow',
        followerId: follower.sub,
        streamerId: owner.sub,
        streamerHandle: owner.handle,
      },
    }),
  );
}, 60_000);

afterAll(async () => {
  await cloudfront?.stop();
  await secrets?.stop();
  await s3?.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface ReplayAnswer {
  status: string;
  playbackUrl: string | null;
  message: string | null;
  sales: unknown[];
  recording: { handle: string | null; title: string | null };
}

async function replayFor(user: User | null, recordingId = 'rec_one'): Promise<ReplayAnswer> {
  const r = await api.gql(user, REPLAY, { r: recordingId });
  expect(r.errors).toBeUndefined();
  return (r.data as { replay: ReplayAnswer }).replay;
}

const status = async (url: string) => (await fetch(url)).status;
/** The signing query of a signed URL. */
const queryOf = (url: string) => new URL(url).search.slice(1);
const hls = (prefix: string, path: string) => `${cloudfront.url}/${prefix}/media/hls/${path}`;

describe('replays of a followers-only channel', () => {
  it('a follower gets a signed URL that plays the playlists and every segment', async () => {
    const replay = await replayFor(follower);
    expect(replay.status).toBe('READY');
    const url = replay.playbackUrl as string;
    expect(url.startsWith(hls(PREFIX, 'master.m3u8?'))).toBe(true);
    const master = await fetch(url);
    expect(master.status).toBe(200);
    expect(await master.text()).toContain('720p30/playlist.m3u8');
    const query = queryOf(url);
    // One signature covers the recording: each request the player makes carries it.
    for (const path of ['720p30/playlist.m3u8', '720p30/0.ts', '720p30/1.ts'])
      expect(await status(withSignedQuery(hls(PREFIX, path), query)), path).toBe(200);
    // A rendition resolved the way a player resolves it (relative, without the query) is refused.
    expect(await status(new URL('720p30/playlist.m3u8', url).toString())).toBe(403);
  });

  it('the owner plays; a viewer who does not follow and a guest get the card, with no URL and no sales', async () => {
    expect((await replayFor(owner)).status).toBe('READY');
    for (const who of [viewer, null]) {
      const replay = await replayFor(who);
      expect(replay).toMatchObject({ status: 'FOLLOW_REQUIRED', playbackUrl: null, sales: [] });
      expect(replay.message).toContain('follow');
      expect(replay.recording).toEqual({ handle: 'olga', title: 'Friday packs' });
    }
  });

  it('the distribution refuses a missing, expired, tampered, foreign-key or other-recording signature', async () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = (resource: string, expiresAt: number, privateKeyPem = keys.privateKeyPem, keyPairId = KEY_ID) =>
      signedQuery(signPolicy(resource, expiresAt, { keyPairId, privateKeyPem }));
    const segment = hls(PREFIX, '720p30/0.ts');
    const good = sign(`${cloudfront.url}/${PREFIX}/*`, now + 600);
    const before = cloudfront.refusals.length;

    expect(await status(withSignedQuery(segment, good))).toBe(200);
    expect(await status(segment)).toBe(403);
    expect(await status(withSignedQuery(segment, sign(`${cloudfront.url}/${PREFIX}/*`, now - 5)))).toBe(403);
    // The policy widened to the whole distribution, with the signature of the narrow one.
    const params = new URLSearchParams(good);
    const wider = Buffer.from(
      `{"Statement":[{"Resource":"${cloudfront.url}/*","Condition":{"DateLessThan":{"AWS:EpochTime":${now + 600}}}}]}`,
    )
      .toString('base64')
      .replace(/\+/g, '-')
      .replace(/=/g, '_')
      .replace(/\//g, '~');
    params.set('Policy', wider);
    expect(await status(withSignedQuery(segment, params.toString()))).toBe(403);
    const flipped = new URLSearchParams(good);
    const sig = flipped.get('Signature') as string;
    flipped.set('Signature', `${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`);
    expect(await status(withSignedQuery(segment, flipped.toString()))).toBe(403);
    expect(
      await status(withSignedQuery(segment, sign(`${cloudfront.url}/${PREFIX}/*`, now + 600, stranger.privateKeyPem))),
    ).toBe(403);
    expect(
      await status(
        withSignedQuery(segment, sign(`${cloudfront.url}/${PREFIX}/*`, now + 600, keys.privateKeyPem, 'K2UNKNOWN')),
      ),
    ).toBe(403);
    // Another recording's signature does not open this one.
    expect(await status(withSignedQuery(segment, sign(`${cloudfront.url}/${OTHER}/*`, now + 600)))).toBe(403);

    expect(cloudfront.refusals.slice(before).map((r) => r.reason)).toEqual([
      'MISSING',
      'EXPIRED',
      'BAD_SIGNATURE',
      'BAD_SIGNATURE',
      'BAD_SIGNATURE',
      'UNKNOWN_KEY',
      'WRONG_RESOURCE',
    ]);
    // Thumbnails are on the default behavior: public.
    expect(await status(`${cloudfront.url}/${PREFIX}/media/latest_thumbnail/thumb.jpg`)).toBe(200);
  });

  it("a follower's signature for one recording does not play another", async () => {
    const one = (await replayFor(follower, 'rec_one')).playbackUrl as string;
    expect(await status(withSignedQuery(hls(OTHER, 'master.m3u8'), queryOf(one)))).toBe(403);
    const two = (await replayFor(follower, 'rec_two')).playbackUrl as string;
    expect(await status(two)).toBe(200);
  });
});
