/**
 * The audience fields' authorization matrix: playbackAccess, followedLiveStreams, myAudience,
 * updateAudience and goPublic × (guest, viewer, follower, allow-listed, owner, admin), through the
 * local GraphQL server (AppSync's auth rules, the resolver files) and the playback function, with
 * the local IVS and Secrets Manager behind it. The field list is read from the schema, so a new
 * audience field without a row fails here.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateChannelCommand, GetChannelCommand, IvsClient } from '@aws-sdk/client-ivs';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { functionForField } from '../../../lib/functions/catalog';
import { handler as playback } from '../../../lambdas/playback/handler';
import { ADMINS_GROUP } from '../../../lambdas/shared/domain/economy';
import { followKey, profileKey } from '../../../lambdas/shared/domain/keys';
import { newPlaybackKeyPair, verifyPlaybackToken } from '../../../lambdas/shared/domain/playback-token';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/dynamodb/server';
import { startLocalIvs, type LocalIvs } from '../../../local/ivs/index';
import { BucketStore } from '../../../local/s3/store';
import { startLocalSecretsManager, type LocalSecretsManager } from '../../../local/secretsmanager/index';
import { useEconomyApi, type User } from '../economy/harness';

const api = useEconomyApi({
  conserve: false,
  invokeLambda: async (name, payload) => {
    if (name !== 'playback') throw new Error(`no ${name} in this test`);
    return playback(payload as Parameters<typeof playback>[0]);
  },
});
const { db } = api;

const owner: User = { sub: 'u-owner', handle: 'olga' };
const who: Record<'guest' | 'viewer' | 'follower' | 'allowListed' | 'owner' | 'admin', User | null> & {
  follower: User;
  viewer: User;
} = {
  guest: null,
  viewer: { sub: 'u-viewer', handle: 'vera' },
  follower: { sub: 'u-follower', handle: 'fay' },
  allowListed: { sub: 'u-listed', handle: 'Lee.K' },
  owner,
  admin: { sub: 'u-admin', handle: 'ada', groups: [ADMINS_GROUP] },
};
type Who = keyof typeof who;
const keys = newPlaybackKeyPair();
let dir: string;
let ivs: LocalIvs;
let secrets: LocalSecretsManager;
let channelArn: string;

const ACCESS = 'query($h: String!) { playbackAccess(handle: $h) { status playbackUrl audience ageRestricted } }';
const SETTINGS = 'audience allowList ageRestricted startInPreview';
const UPDATE = `mutation($i: AudienceInput!) { updateAudience(input: $i) { ${SETTINGS} } }`;

/** Writes the owner's profile as provision-streamer and stream-state leave it (live unless `status` says otherwise). */
async function seedProfile(fields: Record<string, unknown>, status: 'LIVE' | 'OFFLINE' = 'LIVE'): Promise<void> {
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        ...profileKey(owner.sub),
        type: 'Profile',
        userId: owner.sub,
        handle: owner.handle,
        status,
        channelArn,
        playbackUrl: `${ivs.playbackBaseUrl}/${channelArn.split('/').pop()}/index.m3u8`,
        tags: [],
        followerCount: 1,
        ...(status === 'LIVE' ? { currentStreamId: 'st-1', liveSince: new Date().toISOString() } : {}),
        ...fields,
      },
    }),
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'audience-matrix-'));
  const store = new BucketStore(join(dir, 's3'));
  await store.createBucket('recordings');
  ivs = await startLocalIvs({
    dataDir: join(dir, 'ivs'),
    port: 0,
    rtmpPort: 0,
    recordings: { store, bucket: 'recordings' },
    onEvent: async () => undefined,
  });
  secrets = await startLocalSecretsManager({
    secrets: { 'test-playback-key': JSON.stringify({ privateKeyPem: keys.privateKeyPem }) },
  });
  const client = new IvsClient({ region: LOCAL_REGION, endpoint: ivs.url, credentials: LOCAL_CREDENTIALS });
  channelArn = (await client.send(new CreateChannelCommand({ name: 'olga', tags: { platform: 'test' } }))).channel!
    .arn!;
  client.destroy();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: db.lambdaEndpoint,
    AWS_ENDPOINT_URL_IVS: ivs.url,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    PLAYBACK_KEY_SECRET: 'test-playback-key',
    PLAYBACK_ORIGINS: 'https://shop.example',
    RESOURCE_TAG: 'test',
    JOBS_BUS_NAME: 'test-jobs',
  });
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: { PK: `HANDLE#${owner.handle}`, SK: 'HANDLE', userId: owner.sub, handle: owner.handle },
    }),
  );
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        ...followKey(who.follower.sub, owner.sub),
        type: 'Follow',
        followerId: who.follower.sub,
        streamerId: owner.sub,
        streamerHandle: owner.handle,
      },
    }),
  );
}, 60_000);

afterAll(async () => {
  await ivs?.stop();
  await secrets?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The errorType of `who`'s call, or OK, or for playbackAccess its status. */
async function answer(w: Who, query: string, variables: Record<string, unknown>): Promise<string> {
  const r = await api.gql(who[w], query, variables);
  const error = r.errors?.[0]?.errorType;
  if (error) return error;
  const access = r.data?.playbackAccess as { status: string; playbackUrl: string | null } | undefined;
  if (access) {
    if (access.status !== 'ALLOWED') return access.status;
    const token = new URL(access.playbackUrl as string).searchParams.get('token');
    return verifyPlaybackToken(token, channelArn, [keys.publicKeyPem]).ok ? 'ALLOWED' : 'BAD_TOKEN';
  }
  return 'OK';
}

async function row(query: string, variables: Record<string, unknown>): Promise<Record<Who, string>> {
  const out = {} as Record<Who, string>;
  for (const w of Object.keys(who) as Who[]) out[w] = await answer(w, query, variables);
  return out;
}

describe('audience authorization matrix', () => {
  it('covers every field the playback function serves', () => {
    const fields = [
      'Query.playbackAccess',
      'Query.followedLiveStreams',
      'Query.myAudience',
      'Mutation.updateAudience',
      'Mutation.goPublic',
    ];
    expect(fields.map((f) => functionForField(f)?.name)).toEqual(fields.map(() => 'playback'));
  });

  it('playbackAccess: a token for exactly the viewers each audience admits, signed for the channel', async () => {
    const matrix: Record<string, Record<Who, string>> = {};
    await seedProfile({});
    matrix.PUBLIC = await row(ACCESS, { h: owner.handle });
    await seedProfile({ audience: 'FOLLOWERS' });
    matrix.FOLLOWERS = await row(ACCESS, { h: owner.handle });
    await seedProfile({ audience: 'PRIVATE', allowList: ['lee.k'] });
    matrix.PRIVATE = await row(ACCESS, { h: owner.handle });
    await seedProfile({ audience: 'FOLLOWERS', inPreview: true });
    matrix.PREVIEW = await row(ACCESS, { h: owner.handle });
    await seedProfile({ audience: 'FOLLOWERS' }, 'OFFLINE');
    matrix.OFFLINE = await row(ACCESS, { h: owner.handle });
    expect(matrix).toEqual({
      PUBLIC: {
        guest: 'ALLOWED',
        viewer: 'ALLOWED',
        follower: 'ALLOWED',
        allowListed: 'ALLOWED',
        owner: 'ALLOWED',
        admin: 'ALLOWED',
      },
      FOLLOWERS: {
        guest: 'FOLLOW_REQUIRED',
        viewer: 'FOLLOW_REQUIRED',
        follower: 'ALLOWED',
        allowListed: 'FOLLOW_REQUIRED',
        owner: 'ALLOWED',
        admin: 'ALLOWED',
      },
      PRIVATE: {
        guest: 'PRIVATE',
        viewer: 'PRIVATE',
        follower: 'PRIVATE',
        allowListed: 'ALLOWED',
        owner: 'ALLOWED',
        admin: 'ALLOWED',
      },
      PREVIEW: {
        guest: 'PREVIEW',
        viewer: 'PREVIEW',
        follower: 'PREVIEW',
        allowListed: 'PREVIEW',
        owner: 'ALLOWED',
        admin: 'ALLOWED',
      },
      OFFLINE: {
        guest: 'FOLLOW_REQUIRED',
        viewer: 'FOLLOW_REQUIRED',
        follower: 'OFFLINE',
        allowListed: 'FOLLOW_REQUIRED',
        owner: 'OFFLINE',
        admin: 'OFFLINE',
      },
    });
  });

  it("followedLiveStreams, myAudience, updateAudience, goPublic: signed-in only, settings the owner's own", async () => {
    await seedProfile({ audience: 'FOLLOWERS' });
    const followed = await row('query { followedLiveStreams { handle } }', {});
    const mine = await row(`query { myAudience { ${SETTINGS} } }`, {});
    const goPublic = await row('mutation { goPublic { handle inPreview } }', {});
    expect({ followed, mine, goPublic }).toEqual({
      followed: { guest: 'Unauthorized', viewer: 'OK', follower: 'OK', allowListed: 'OK', owner: 'OK', admin: 'OK' },
      mine: { guest: 'Unauthorized', viewer: 'OK', follower: 'OK', allowListed: 'OK', owner: 'OK', admin: 'OK' },
      goPublic: {
        guest: 'Unauthorized',
        viewer: 'NOT_FOUND',
        follower: 'NOT_FOUND',
        allowListed: 'NOT_FOUND',
        owner: 'OK',
        admin: 'NOT_FOUND',
      },
    });
    expect(
      (await api.gql(who.follower, 'query { followedLiveStreams { handle audience } }')).data?.followedLiveStreams,
    ).toEqual([{ handle: owner.handle, audience: 'FOLLOWERS' }]);
    expect((await api.gql(who.viewer, 'query { followedLiveStreams { handle } }')).data?.followedLiveStreams).toEqual(
      [],
    );
    expect((await api.gql(who.viewer, `query { myAudience { ${SETTINGS} } }`)).data?.myAudience).toBeNull();

    // updateAudience writes the caller's own profile only: others have none to write.
    await seedProfile({}, 'OFFLINE');
    const update = await row(UPDATE, { i: { audience: 'FOLLOWERS', ageRestricted: true } });
    expect(update).toEqual({
      guest: 'Unauthorized',
      viewer: 'NOT_FOUND',
      follower: 'NOT_FOUND',
      allowListed: 'NOT_FOUND',
      owner: 'OK',
      admin: 'NOT_FOUND',
    });
  });

  it('updateAudience sets the channel authorized while offline, refuses to flip it while live, and validates the allow-list', async () => {
    const client = new IvsClient({ region: LOCAL_REGION, endpoint: ivs.url, credentials: LOCAL_CREDENTIALS });
    const authorized = async () => (await client.send(new GetChannelCommand({ arn: channelArn }))).channel?.authorized;
    await seedProfile({}, 'OFFLINE');
    const saved = await api.gql(owner, UPDATE, { i: { audience: 'PRIVATE', allowList: ['@Lee.K', 'lee.k', 'sam'] } });
    expect(saved.data?.updateAudience).toEqual({
      audience: 'PRIVATE',
      allowList: ['lee.k', 'sam'],
      ageRestricted: false,
      startInPreview: false,
    });
    expect(await authorized()).toBe(true);
    expect((await api.gql(owner, UPDATE, { i: { audience: 'PRIVATE', allowList: [] } })).errors?.[0]).toMatchObject({
      errorType: 'VALIDATION',
      errorInfo: { field: 'allowList' },
    });
    expect(
      (await api.gql(owner, UPDATE, { i: { audience: 'PRIVATE', allowList: ['no spaces!'] } })).errors?.[0]?.errorType,
    ).toBe('VALIDATION');

    await seedProfile({ audience: 'PRIVATE', allowList: ['lee.k'], playbackAuthorized: true });
    // Live: between restricted audiences is fine (tokens carry it); to public would need the flag flipped.
    expect((await api.gql(owner, UPDATE, { i: { audience: 'FOLLOWERS' } })).errors).toBeUndefined();
    expect((await api.gql(owner, UPDATE, { i: { audience: 'PUBLIC' } })).errors?.[0]?.errorType).toBe('STREAM_LIVE');
    expect(await authorized()).toBe(true);
    await seedProfile({ audience: 'FOLLOWERS' }, 'OFFLINE');
    expect((await api.gql(owner, UPDATE, { i: { audience: 'PUBLIC' } })).data?.updateAudience.audience).toBe('PUBLIC');
    expect(await authorized()).toBe(false);
    client.destroy();
  });
});
