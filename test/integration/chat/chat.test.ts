/**
 * Chat on DynamoDB Local: slow mode and bans hold across two concurrently running review handler
 * instances (separate module instances = separate Lambda containers), and the chat resolvers run
 * through the local APPSYNC_JS engine with the moderation Lambda behind them (IVS Chat mocked at the SDK).
 */
import { DisconnectUserCommand, IvschatClient, SendEventCommand } from '@aws-sdk/client-ivschat';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { createEngine } from '../../../local/appsync/engine';
import { useDynamoDbLocal } from '../../support/dynamo';
import { runAs } from '../../../local/iam/caller';

// The Lambdas' DynamoDB calls are evaluated against their roles from the synthesized template.
const db = useDynamoDbLocal({ iam: true });
const chat = mockClient(IvschatClient);
const ROOM = 'arn:aws:ivschat:us-east-1:000000000000:room/c1';
type Review = typeof import('../../../lambdas/chat-review/handler');
let a: Review;
let b: Review;
const message = (content: string, userId: string) => ({
  Content: content,
  MessageId: `m-${Math.random()}`,
  RoomArn: ROOM,
  Sender: { UserId: userId, Attributes: { channelId: 'c1' } },
});
const cognito = (sub: string, handle: string) => ({
  mode: 'AMAZON_COGNITO_USER_POOLS' as const,
  identity: {
    sub,
    username: sub,
    claims: { handle, preferred_username: `spoofed_${handle}` },
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
    accountId: '000000000000',
    sourceIp: ['127.0.0.1'],
    userArn: 'guest',
    username: 'guest',
  },
};

beforeAll(async () => {
  const credentials = await db.client.config.credentials();
  Object.assign(process.env, {
    TABLE_NAME: db.tableName,
    AWS_ENDPOINT_URL_DYNAMODB: db.lambdaEndpoint,
    AWS_REGION: await db.client.config.region(),
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: { PK: 'USER#c1', SK: 'PROFILE', userId: 'c1', chatRoomArn: ROOM, viewerCount: 5 },
    }),
  );
  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        PK: 'CHANNEL#c1',
        SK: 'CHAT',
        GSI1PK: `ROOM#${ROOM}`,
        GSI1SK: 'CHAT',
        channelId: 'c1',
        slowModeSeconds: 10,
        blockedWords: ['scam'],
        blockedWordsAction: 'MASK',
        maxMessageLength: 500,
      },
    }),
  );
  const asReviewHandler = (m: Review): Review => ({
    ...m,
    handler: (event) => runAs('chat-review', () => m.handler(event)),
  });
  vi.resetModules();
  a = asReviewHandler(await import('../../../lambdas/chat-review/handler'));
  vi.resetModules();
  b = asReviewHandler(await import('../../../lambdas/chat-review/handler'));
  chat.on(DisconnectUserCommand).resolves({});
  chat.on(SendEventCommand).resolves({ id: 'e' });
});

describe('review handler across two instances', () => {
  it('keeps two instances apart (separate caches and clients)', () => {
    expect(a).not.toBe(b);
  });

  it('lets exactly one of 20 simultaneous messages through under a 10 s slow mode', async () => {
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).handler(message(`hello ${i}`, 'u-fast'))),
    );
    expect(results.filter((r) => r.ReviewResult === 'ALLOW')).toHaveLength(1);
    const denied = results.filter((r) => r.ReviewResult === 'DENY');
    expect(denied).toHaveLength(19);
    expect(new Set(denied.map((d) => d.Attributes.denialCode))).toEqual(new Set(['SLOW_MODE']));
  });

  it('does not slow down other users and masks blocked words', async () => {
    const [x, y] = await Promise.all([a.handler(message('no scam here', 'u-x')), b.handler(message('hi', 'u-y'))]);
    expect(x).toMatchObject({ ReviewResult: 'ALLOW', Content: 'no **** here' });
    expect(y).toMatchObject({ ReviewResult: 'ALLOW' });
  });
});

describe('chat resolvers through the engine', () => {
  let engine: ReturnType<typeof createEngine>;
  const gql = (query: string, auth: unknown, variables: Record<string, unknown> = {}) =>
    engine.execute({ query, variables, auth: auth as never }) as Promise<{
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      data?: any;
      errors?: { message: string; errorType?: string }[];
    }>;

  beforeAll(async () => {
    const moderation = await import('../../../lambdas/chat-moderation/handler');
    engine = createEngine({
      dynamo: db.client,
      tables: { Main: db.tableName, Idempotency: db.idempotencyTableName },
      invokeLambda: async (name, payload) => {
        if (name !== 'chat-moderation') throw new Error(`unexpected ${name}`);
        return runAs(name, () => moderation.handler(payload as never));
      },
    });
  });

  it('bans through the API, after which the banned user cannot chat in either instance', async () => {
    const res = await gql(
      'mutation($c: ID!, $u: ID!) { banUser(channelId: $c, userId: $u, reason: "spam") { action targetUserId actorHandle } }',
      cognito('c1', 'ann'),
      { c: 'c1', u: 'u-bad' },
    );
    expect(res.errors).toBeUndefined();
    expect(res.data.banUser).toEqual({ action: 'BAN', targetUserId: 'u-bad', actorHandle: 'ann' });
    expect(chat.commandCalls(DisconnectUserCommand).map((c) => c.args[0].input)).toContainEqual({
      roomIdentifier: ROOM,
      userId: 'u-bad',
      reason: 'spam',
    });
    for (const instance of [a, b]) {
      expect(await instance.handler(message('let me back', 'u-bad'))).toMatchObject({
        ReviewResult: 'DENY',
        Attributes: { denialCode: 'BANNED' },
      });
    }
    const bans = await gql('query($c: ID!) { bans(channelId: $c) { userId reason } }', cognito('c1', 'ann'), {
      c: 'c1',
    });
    expect(bans.data.bans).toEqual([{ userId: 'u-bad', reason: 'spam' }]);
  });

  it('refuses moderation by a viewer and shows the log only to the streamer, newest first', async () => {
    const denied = await gql(
      'mutation { timeoutUser(channelId: "c1", userId: "u-x", seconds: 60) { action } }',
      cognito('u-y', 'yan'),
    );
    expect(denied.errors?.[0]).toMatchObject({ errorType: 'FORBIDDEN' });
    await gql('mutation { timeoutUser(channelId: "c1", userId: "u-x", seconds: 60) { action } }', cognito('c1', 'ann'));
    const log = await gql(
      'query { moderationLog(channelId: "c1") { items { action targetUserId } } }',
      cognito('c1', 'ann'),
    );
    expect(log.data.moderationLog.items.map((i: { action: string }) => i.action)).toEqual(['TIMEOUT', 'BAN']);
    const notOwner = await gql('query { moderationLog(channelId: "c1") { items { action } } }', cognito('u-y', 'yan'));
    expect(notOwner.errors?.[0]).toMatchObject({ errorType: 'NOT_OWNER' });
    expect(await a.handler(message('still here?', 'u-x'))).toMatchObject({
      ReviewResult: 'DENY',
      Attributes: { denialCode: 'TIMED_OUT' },
    });
  });

  it('serves chat settings to guests and applies a streamer change', async () => {
    const updated = await gql(
      'mutation { updateChatSettings(input: { channelId: "c1", slowModeSeconds: 3, pinnedMessage: "Welcome!" }) { slowModeSeconds pinnedMessage } }',
      cognito('c1', 'ann'),
    );
    expect(updated.data.updateChatSettings).toEqual({ slowModeSeconds: 3, pinnedMessage: 'Welcome!' });
    const read = await gql(
      'query { chatSettings(channelId: "c1") { slowModeSeconds pinnedMessage blockedWords blockedWordsAction } }',
      guest,
    );
    expect(read.data.chatSettings).toEqual({
      slowModeSeconds: 3,
      pinnedMessage: 'Welcome!',
      blockedWords: ['scam'],
      blockedWordsAction: 'MASK',
    });
  });
});

describe('IAM', () => {
  it("refused none of the review and moderation handlers' DynamoDB calls", () => {
    expect(db.iam?.authorizer.denials).toEqual([]);
    expect(new Set(db.iam?.authorizer.evaluated.map((e) => e.caller))).toEqual(
      new Set(['chat-review', 'chat-moderation']),
    );
  });
});
