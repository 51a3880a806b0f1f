/**
 * The control plane's GraphQL fields through the local APPSYNC_JS engine on DynamoDB Local: the same resolver
 * files AppSync runs, Lambda fields through the real handlers (IVS and IVS Chat mocked at the SDK).
 */
import { CreateChannelCommand, IvsClient, ListChannelsCommand } from '@aws-sdk/client-ivs';
import { CreateRoomCommand, IvschatClient, ListRoomsCommand } from '@aws-sdk/client-ivschat';
import { GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { runProvisioning } from '../../../lambdas/provision-streamer/handler';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useDynamoDbLocal } from '../../support/dynamo';
import { createEngine } from '../../../local/appsync/engine';
import { runAs } from '../../../local/iam/caller';

// The Lambdas' DynamoDB calls are evaluated against their roles from the synthesized template.
const db = useDynamoDbLocal({ iam: true });
const ivs = mockClient(IvsClient);
const chat = mockClient(IvschatClient);

type Engine = ReturnType<typeof createEngine>;
let engine: Engine;
const cognito = (sub: string, handle: string) => ({
  mode: 'AMAZON_COGNITO_USER_POOLS' as const,
  identity: {
    sub,
    username: sub,
    claims: { handle, preferred_username: `spoofed_${handle}`, email: `${handle}@example.com` },
    groups: null,
    issuer: 'local',
    sourceIp: ['127.0.0.1'],
    defaultAuthStrategy: 'ALLOW',
  },
});
const guest = {
  mode: 'AWS_IAM' as const,
  identity: {
    cognitoIdentityAuthType: 'unauthenticated',
    cognitoIdentityId: 'us-east-1:guest',
    accountId: '000000000000',
    sourceIp: ['127.0.0.1'],
    userArn: 'arn:aws:sts::000000000000:assumed-role/guest',
    username: 'guest',
  },
};
const ann = cognito('s1', 'ann');
const bob = cognito('f1', 'bob');
// GraphQL answers are checked by value; their static shape adds nothing here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
const gql = (query: string, auth: unknown, variables: Record<string, unknown> = {}) =>
  engine.execute({ query, variables, auth: auth as never }) as Promise<{
    data?: Record<string, Loose>;
    errors?: { message: string; errorType?: string }[];
  }>;

beforeAll(async () => {
  const credentials = await db.client.config.credentials();
  Object.assign(process.env, {
    TABLE_NAME: db.tableName,
    IDEMPOTENCY_TABLE_NAME: db.idempotencyTableName,
    RESOURCE_TAG: 'live-shopping-it',
    CHANNEL_TYPE: 'STANDARD',
    CHAT_REVIEW_FUNCTION_ARN: 'arn:aws:lambda:us-east-1:000000000000:function:chat-review',
    WEB_URL: 'http://127.0.0.1:4321',
    AWS_ENDPOINT_URL_DYNAMODB: db.lambdaEndpoint,
    AWS_REGION: await db.client.config.region(),
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  ivs.on(ListChannelsCommand).resolves({ channels: [] });
  ivs.on(CreateChannelCommand).resolves({
    channel: {
      arn: 'arn:aws:ivs:us-east-1:000000000000:channel/ann',
      ingestEndpoint: '127.0.0.1',
      playbackUrl: 'http://127.0.0.1:8080/hls/ann.m3u8',
    },
    streamKey: {
      arn: 'arn:aws:ivs:us-east-1:000000000000:stream-key/k1',
      value: 'sk_local_ann',
      channelArn: 'arn:aws:ivs:us-east-1:000000000000:channel/ann',
    },
  });
  chat.on(ListRoomsCommand).resolves({ rooms: [] });
  chat.on(CreateRoomCommand).resolves({ arn: 'arn:aws:ivschat:us-east-1:000000000000:room/ann' });
  const handlers: Record<string, () => Promise<{ handler: (e: never) => Promise<unknown> }>> = {
    'provision-streamer': () => import('../../../lambdas/provision-streamer/handler'),
    'stream-key': () => import('../../../lambdas/stream-key/handler'),
    social: () => import('../../../lambdas/social/handler'),
    'alert-preferences': () => import('../../../lambdas/alert-preferences/handler'),
  };
  engine = createEngine({
    dynamo: db.client,
    tables: { Main: db.tableName, Idempotency: db.idempotencyTableName },
    invokeLambda: async (name, payload) => {
      const load = handlers[name];
      if (!load) throw new Error(`no handler ${name} in this test`);
      const { handler } = await load();
      return runAs(name, () => handler(payload as never));
    },
  });
});

afterAll(() => {
  ivs.restore();
  chat.restore();
});

describe('control fields through the local engine', () => {
  it("provisions, edits details, schedules; viewers see the profile and schedule; the key stays the owner's", async () => {
    // Ann holds no handle yet (no sign-up trigger here): provisionMe claims it and answers at once.
    const prov = await gql('mutation { provisionMe(handle: "ann") { status handle streamer { userId } } }', ann);
    expect(prov.errors).toBeUndefined();
    expect(prov.data?.provisionMe).toEqual({ status: 'PROVISIONING', handle: 'ann', streamer: null });
    // The table stream starts the run in the cloud and the local mode; here it is called directly.
    const { Item: lease } = await db.doc.send(
      new GetCommand({ TableName: db.tableName, Key: { PK: 'USER#s1', SK: 'PROVISIONING' }, ConsistentRead: true }),
    );
    await expect(runProvisioning('s1', String(lease?.leaseId))).resolves.toBe('READY');
    const ready = await gql(
      'query { myProvisioning { status streamer { userId handle status followerCount tags } } }',
      ann,
    );
    expect(ready.data?.myProvisioning).toEqual({
      status: 'READY',
      streamer: { userId: 's1', handle: 'ann', status: 'OFFLINE', followerCount: 0, tags: [] },
    });

    const upd = await gql(
      'mutation($i: UpdateStreamDetailsInput!) { updateStreamDetails(input: $i) { title category tags goingLiveMessage } }',
      ann,
      {
        i: {
          title: 'Sneaker drop',
          category: 'Shoes',
          tags: ['Retro', 'retro'],
          goingLiveMessage: 'Rare pairs tonight',
        },
      },
    );
    expect(upd.data?.updateStreamDetails).toEqual({
      title: 'Sneaker drop',
      category: 'Shoes',
      tags: ['retro'],
      goingLiveMessage: 'Rare pairs tonight',
    });
    const bad = await gql('mutation($i: UpdateStreamDetailsInput!) { updateStreamDetails(input: $i) { title } }', ann, {
      i: { title: 'x'.repeat(200) },
    });
    expect(bad.errors?.[0]?.errorType).toBe('VALIDATION');

    const startsAt = new Date(Date.now() + 86_400_000).toISOString();
    const sch = await gql(
      'mutation($i: ScheduleStreamInput!) { scheduleStream(input: $i) { scheduleId handle title startsAt cancelled } }',
      ann,
      { i: { title: 'Friday show', startsAt } },
    );
    expect(sch.data?.scheduleStream).toMatchObject({ handle: 'ann', title: 'Friday show', cancelled: false });

    const seen = await gql(
      'query { streamer(handle: "ANN") { userId handle title isFollowing schedule { title } } }',
      guest,
    );
    expect(seen.data?.streamer).toEqual({
      userId: 's1',
      handle: 'ann',
      title: 'Sneaker drop',
      isFollowing: null,
      schedule: [{ title: 'Friday show' }],
    });
    const upcoming = await gql('query { upcomingStreams { items { title handle } } }', guest);
    expect(upcoming.data?.upcomingStreams.items).toEqual([{ title: 'Friday show', handle: 'ann' }]);

    const key = await gql('query { myStreamKey { url streamKey } }', ann);
    expect(key.data?.myStreamKey).toEqual({ url: 'rtmps://127.0.0.1:443/app/sk_local_ann', streamKey: 'sk_local_ann' });
    const stolen = await gql('query { myStreamKey { url } }', guest);
    expect(stolen.errors?.[0]?.errorType).toBe('Unauthorized');

    const cancelByOther = await gql(
      'mutation($id: ID!) { cancelScheduledStream(scheduleId: $id) { cancelled } }',
      bob,
      { id: sch.data?.scheduleStream.scheduleId },
    );
    expect(cancelByOther.errors?.[0]?.errorType).toBe('NOT_FOUND');
    const cancel = await gql('mutation($id: ID!) { cancelScheduledStream(scheduleId: $id) { cancelled } }', ann, {
      id: sch.data?.scheduleStream.scheduleId,
    });
    expect(cancel.data?.cancelScheduledStream).toEqual({ cancelled: true });
    expect((await gql('query { upcomingStreams { items { title } } }', guest)).data?.upcomingStreams.items).toEqual([]);
  });

  it('follow / unfollow keep followerCount consistent and lists page', async () => {
    const f1 = await gql('mutation { follow(streamerId: "s1") { following followerCount } }', bob);
    const f2 = await gql('mutation { follow(streamerId: "s1") { following followerCount } }', bob);
    expect(f1.data?.follow).toEqual({ following: true, followerCount: 1 });
    expect(f2.data?.follow).toEqual({ following: true, followerCount: 1 });
    expect((await gql('query { streamer(handle: "ann") { isFollowing followerCount } }', bob)).data?.streamer).toEqual({
      isFollowing: true,
      followerCount: 1,
    });
    expect((await gql('query { following { items { userId handle } } }', bob)).data?.following.items).toEqual([
      { userId: 's1', handle: 'ann' },
    ]);
    expect(
      (await gql('query { followers(streamerId: "s1") { items { userId handle } } }', guest)).data?.followers.items,
    ).toEqual([{ userId: 'f1', handle: 'bob' }]);

    const un = await gql('mutation { unfollow(streamerId: "s1") { following followerCount } }', bob);
    const un2 = await gql('mutation { unfollow(streamerId: "s1") { following followerCount } }', bob);
    expect(un.data?.unfollow).toEqual({ following: false, followerCount: 0 });
    expect(un2.data?.unfollow).toEqual({ following: false, followerCount: 0 });
  });

  it('live lists, owner-only health, rotate refused while live, alert opt-in, inbox read marks', async () => {
    const { handler: streamState } = await import('../../../lambdas/stream-state/handler');
    const start = {
      version: '0',
      id: 'it-start-1',
      'detail-type': 'IVS Stream State Change',
      source: 'aws.ivs',
      account: '000000000000',
      time: new Date().toISOString(),
      region: 'us-east-1',
      resources: ['arn:aws:ivs:us-east-1:000000000000:channel/ann'],
      detail: { event_name: 'Stream Start', channel_name: 'ann', stream_id: 'st-it-1' },
    };
    process.env.GRAPHQL_URL = 'http://127.0.0.1:9/graphql';
    expect(
      await streamState(start, {
        functionName: 'stream-state',
        awsRequestId: 'r',
        getRemainingTimeInMillis: () => 10_000,
      } as never),
    ).toBe('APPLIED');

    const live = await gql('query { liveStreams { items { handle status } } }', guest);
    expect(live.data?.liveStreams.items).toEqual([{ handle: 'ann', status: 'LIVE' }]);
    expect(
      (await gql('query { liveStreams(category: "Shoes", tag: "retro") { items { handle } } }', guest)).data
        ?.liveStreams.items,
    ).toEqual([{ handle: 'ann' }]);
    expect(
      (await gql('query { liveStreams(category: "Books") { items { handle } } }', guest)).data?.liveStreams.items,
    ).toEqual([]);
    expect(
      (await gql('query { streamSession(streamId: "st-it-1") { status userId } }', guest)).data?.streamSession,
    ).toEqual({ status: 'LIVE', userId: 's1' });

    // Likes count per live stream (reset at start) and come back with the profile.
    expect((await gql('mutation { likeStream(channelId: "s1") { likes } }', bob)).data?.likeStream).toEqual({
      likes: 1,
    });
    expect((await gql('mutation { likeStream(channelId: "s1") { channelId likes } }', bob)).data?.likeStream).toEqual({
      channelId: 's1',
      likes: 2,
    });
    expect((await gql('query { streamer(handle: "ann") { likes } }', guest)).data?.streamer).toEqual({ likes: 2 });
    expect((await gql('mutation { likeStream(channelId: "nobody") { likes } }', bob)).errors?.[0]?.errorType).toBe(
      'NOT_LIVE',
    );

    expect((await gql('query { streamHealth(channelId: "s1") { at } }', bob)).errors?.[0]?.errorType).toBe('NOT_OWNER');
    expect((await gql('query { streamHealth(channelId: "s1") { at } }', ann)).data?.streamHealth).toEqual([]);

    const rotate = await gql('mutation { rotateStreamKey { url } }', ann);
    expect(rotate.errors?.[0]?.errorType).toBe('STREAM_LIVE');

    const on = await gql(
      'mutation { setAlertPreference(streamerId: "s1", email: true) { streamerId handle email emailStatus } }',
      bob,
    );
    expect(on.data?.setAlertPreference).toEqual({ streamerId: 's1', handle: 'ann', email: true, emailStatus: null });
    expect((await gql('query { alertPreferences { handle email emailStatus } }', bob)).data?.alertPreferences).toEqual([
      { handle: 'ann', email: true, emailStatus: null },
    ]);
    // The opt-in is listed in the streamer's sparse opt-in partition, which the fan-out pages through.
    const optedIn = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        IndexName: 'GSI2',
        KeyConditionExpression: 'GSI2PK = :pk',
        ExpressionAttributeValues: { ':pk': 'USER#s1#EMAIL_ALERTS' },
      }),
    );
    expect(optedIn.Items?.map((i) => [i.userId, i.emailAddress])).toEqual([['f1', 'bob@example.com']]);
    const off = await gql('mutation { setAlertPreference(streamerId: "s1", email: false) { email emailStatus } }', bob);
    expect(off.data?.setAlertPreference).toEqual({ email: false, emailStatus: null });
    expect(
      (
        await db.doc.send(
          new QueryCommand({
            TableName: db.tableName,
            IndexName: 'GSI2',
            KeyConditionExpression: 'GSI2PK = :pk',
            ExpressionAttributeValues: { ':pk': 'USER#s1#EMAIL_ALERTS' },
          }),
        )
      ).Items,
    ).toEqual([]);

    await db.doc.send(
      new PutCommand({
        TableName: db.tableName,
        Item: {
          PK: 'USER#f1',
          SK: 'NOTIF#2026-01-01T00:00:00.000Z#ntf_A',
          type: 'Notification',
          notificationId: 'ntf_A',
          userId: 'f1',
          kind: 'GO_LIVE',
          title: 'ann is live',
          createdAt: '2026-01-01T00:00:00.000Z',
          read: false,
        },
      }),
    );
    expect(
      (await gql('query { notifications { items { notificationId read } } }', bob)).data?.notifications.items,
    ).toEqual([{ notificationId: 'ntf_A', read: false }]);
    expect((await gql('query { notifications { items { notificationId } } }', ann)).data?.notifications.items).toEqual(
      [],
    );
    const marked = await gql(
      'mutation { markNotificationsRead(notificationIds: ["ntf_A"]) { notificationId read } }',
      bob,
    );
    expect(marked.data?.markNotificationsRead).toEqual([{ notificationId: 'ntf_A', read: true }]);
  });

  it("notifications subscription is the caller's own only", async () => {
    const other = await engine.subscribe(
      { query: 'subscription { onNotification(userId: "s1") { notificationId } }', auth: bob as never },
      () => undefined,
    );
    expect(other.ok).toBe(false);
    const received: unknown[] = [];
    const own = await engine.subscribe(
      { query: 'subscription { onNotification(userId: "f1") { notificationId title read } }', auth: bob as never },
      (r) => received.push(r.data),
    );
    expect(own.ok).toBe(true);
    const lambdaRole = {
      mode: 'AWS_IAM',
      identity: {
        accountId: '000000000000',
        sourceIp: ['127.0.0.1'],
        userArn: 'arn:aws:sts::000000000000:assumed-role/go-live-fanout/fn',
        username: 'AROAEXAMPLE:fn',
      },
    };
    const input = (userId: string) => ({
      input: {
        notificationId: `ntf_${userId}`,
        userId,
        kind: 'GO_LIVE',
        title: 'ann is live',
        createdAt: new Date().toISOString(),
      },
    });
    const pushed = await gql(
      'mutation($input: PublishNotificationInput!) { publishNotification(input: $input) { notificationId userId title read kind createdAt body link } }',
      lambdaRole,
      input('f1'),
    );
    expect(pushed.errors).toBeUndefined();
    await gql(
      'mutation($input: PublishNotificationInput!) { publishNotification(input: $input) { notificationId userId title read kind createdAt body link } }',
      lambdaRole,
      input('someone-else'),
    );
    expect(received).toEqual([{ onNotification: { notificationId: 'ntf_f1', title: 'ann is live', read: false } }]);
    const byUser = await gql(
      'mutation($input: PublishNotificationInput!) { publishNotification(input: $input) { notificationId } }',
      bob,
      input('f1'),
    );
    expect(byUser.errors?.[0]?.errorType).toBe('Unauthorized');
    if (own.ok) own.unsubscribe();
  });
});

describe('IAM', () => {
  it("refused none of the Lambdas' DynamoDB calls, and evaluated each function that ran", () => {
    expect(db.iam?.authorizer.denials).toEqual([]);
    const callers = new Set(db.iam?.authorizer.evaluated.map((e) => e.caller));
    for (const name of ['provision-streamer', 'stream-key', 'social', 'alert-preferences'])
      expect(callers).toContain(name);
  });
});
