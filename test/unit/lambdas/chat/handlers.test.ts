import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import {
  CreateChatTokenCommand,
  DeleteMessageCommand,
  DisconnectUserCommand,
  IvschatClient,
  SendEventCommand,
} from '@aws-sdk/client-ivschat';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler as tokenHandler } from '../../../../lambdas/chat-token/handler';
import { handler as reviewHandler, resetCaches } from '../../../../lambdas/chat-review/handler';
import { handler as moderationHandler } from '../../../../lambdas/chat-moderation/handler';

const ddb = mockClient(DynamoDBDocumentClient);
const chat = mockClient(IvschatClient);
const ROOM = 'arn:aws:ivschat:us-west-2:123456789012:room/g1H2I3j4k5L6';
const profile = { PK: 'USER#c1', SK: 'PROFILE', userId: 'c1', chatRoomArn: ROOM, viewerCount: 10 };
const user = (sub: string, handle: string) => ({
  sub,
  username: sub,
  claims: { handle, preferred_username: `spoofed_${handle}` },
});
const invoke = <A extends Record<string, unknown>>(fieldName: string, identity: unknown, args: A) => ({
  arguments: args,
  identity,
  source: null,
  info: { fieldName, parentTypeName: 'Mutation' },
});

beforeEach(() => {
  ddb.reset();
  chat.reset();
  resetCaches();
  process.env.TABLE_NAME = 'Main';
});

describe('chat-token', () => {
  beforeEach(() => {
    chat.on(CreateChatTokenCommand).resolves({
      token: 'tok',
      sessionExpirationTime: new Date('2026-01-01T03:00:00Z'),
      tokenExpirationTime: new Date('2026-01-01T01:00:00Z'),
    });
  });

  it('gives a viewer SEND_MESSAGE with handle, role and channel attributes', async () => {
    ddb.on(BatchGetCommand).resolves({ Responses: { Main: [profile] } });
    const result = await tokenHandler(invoke('createChatToken', user('u2', 'bob'), { channelId: 'c1' }));
    expect(result).toEqual({
      data: {
        token: 'tok',
        role: 'VIEWER',
        capabilities: ['SEND_MESSAGE'],
        sessionExpirationTime: '2026-01-01T03:00:00.000Z',
        tokenExpirationTime: '2026-01-01T01:00:00.000Z',
        timedOutUntil: null,
      },
    });
    expect(chat).toHaveReceivedCommandWith(CreateChatTokenCommand, {
      roomIdentifier: ROOM,
      userId: 'u2',
      capabilities: ['SEND_MESSAGE'],
      sessionDurationInMinutes: 180,
      attributes: { handle: 'bob', role: 'VIEWER', channelId: 'c1' },
    });
    expect(ddb).toHaveReceivedCommandWith(BatchGetCommand, {
      RequestItems: {
        Main: {
          Keys: [
            { PK: 'USER#c1', SK: 'PROFILE' },
            { PK: 'CHANNEL#c1', SK: 'BAN#u2' },
            { PK: 'CHANNEL#c1', SK: 'MOD#u2' },
            { PK: 'CHANNEL#c1', SK: 'MEMBER#u2' },
            { PK: 'USER#u2', SK: 'FOLLOWS#c1' },
            { PK: 'USER#u2', SK: 'SUSPENSION' },
          ],
        },
      },
    });
  });

  it.each([
    [
      'followers only: a viewer who does not follow',
      { audience: 'FOLLOWERS' },
      user('u2', 'bob'),
      [],
      'FOLLOW_REQUIRED',
    ],
    [
      'followers only: a guest',
      { audience: 'FOLLOWERS' },
      { cognitoIdentityAuthType: 'unauthenticated' },
      [],
      'FOLLOW_REQUIRED',
    ],
    [
      'private: a follower not on the list',
      { audience: 'PRIVATE', allowList: ['sam'] },
      user('u2', 'bob'),
      [{ PK: 'USER#u2', SK: 'FOLLOWS#c1' }],
      'PRIVATE',
    ],
    [
      'in Preview: a follower',
      { inPreview: true },
      user('u2', 'bob'),
      [{ PK: 'USER#u2', SK: 'FOLLOWS#c1' }],
      'PREVIEW',
    ],
  ])(
    'refuses the chat of a restricted stream (%s) with the reason, minting nothing',
    async (_name, fields, identity, extra, reason) => {
      ddb.on(BatchGetCommand).resolves({ Responses: { Main: [{ ...profile, ...fields }, ...extra] } });
      const result = await tokenHandler(invoke('createChatToken', identity, { channelId: 'c1' }));
      expect(result).toMatchObject({ error: { type: 'FORBIDDEN', info: { reason } } });
      expect(chat).not.toHaveReceivedCommand(CreateChatTokenCommand);
    },
  );

  it.each([
    [
      'a follower of a followers-only stream',
      { audience: 'FOLLOWERS' },
      user('u2', 'bob'),
      [{ PK: 'USER#u2', SK: 'FOLLOWS#c1' }],
    ],
    ['an allow-listed handle (case-insensitive)', { audience: 'PRIVATE', allowList: ['bob'] }, user('u2', 'Bob'), []],
    ['the owner in Preview', { audience: 'PRIVATE', allowList: [], inPreview: true }, user('c1', 'ann'), []],
    ['an admin', { audience: 'PRIVATE', allowList: [] }, { ...user('u9', 'ada'), groups: ['admins'] }, []],
  ])('gives a token to %s', async (_name, fields, identity, extra) => {
    ddb.on(BatchGetCommand).resolves({ Responses: { Main: [{ ...profile, ...fields }, ...extra] } });
    expect(await tokenHandler(invoke('createChatToken', identity, { channelId: 'c1' }))).toMatchObject({
      data: { token: 'tok' },
    });
  });

  it('tells a timed-out viewer when the timeout ends, and nothing once it has ended', async () => {
    const until = new Date(Date.now() + 300_000).toISOString();
    ddb
      .on(BatchGetCommand)
      .resolves({ Responses: { Main: [profile, { PK: 'CHANNEL#c1', SK: 'MEMBER#u2', timeoutUntil: until }] } });
    expect(await tokenHandler(invoke('createChatToken', user('u2', 'bob'), { channelId: 'c1' }))).toMatchObject({
      data: { timedOutUntil: until, capabilities: [] },
    });
    // The token itself cannot send while the timeout runs: IVS Chat refuses, whatever the review handler does.
    expect(chat).toHaveReceivedCommandWith(CreateChatTokenCommand, { userId: 'u2', capabilities: [] });
    ddb.on(BatchGetCommand).resolves({
      Responses: {
        Main: [profile, { PK: 'CHANNEL#c1', SK: 'MEMBER#u2', timeoutUntil: new Date(Date.now() - 1000).toISOString() }],
      },
    });
    expect(await tokenHandler(invoke('createChatToken', user('u2', 'bob'), { channelId: 'c1' }))).toMatchObject({
      data: { timedOutUntil: null, capabilities: ['SEND_MESSAGE'] },
    });
  });

  it('gives moderators and the streamer delete and disconnect', async () => {
    ddb.on(BatchGetCommand).resolves({ Responses: { Main: [profile, { PK: 'CHANNEL#c1', SK: 'MOD#u3' }] } });
    const mod = await tokenHandler(invoke('createChatToken', user('u3', 'mo'), { channelId: 'c1' }));
    expect(mod).toMatchObject({
      data: { role: 'MODERATOR', capabilities: ['SEND_MESSAGE', 'DELETE_MESSAGE', 'DISCONNECT_USER'] },
    });
    ddb.on(BatchGetCommand).resolves({ Responses: { Main: [profile] } });
    expect(await tokenHandler(invoke('createChatToken', user('c1', 'ann'), { channelId: 'c1' }))).toMatchObject({
      data: { role: 'STREAMER' },
    });
  });

  it("takes the handle from the caller's account item when the token has no platform handle claim (access tokens), never preferred_username", async () => {
    ddb
      .on(BatchGetCommand)
      .resolves({ Responses: { Main: [profile, { PK: 'USER#u2', SK: 'ACCOUNT', handle: 'bob' }] } });
    await tokenHandler(
      invoke('createChatToken', { sub: 'u2', claims: { preferred_username: 'ann' } }, { channelId: 'c1' }),
    );
    expect(ddb.commandCalls(BatchGetCommand)[0]?.args[0].input.RequestItems?.Main?.Keys).toContainEqual({
      PK: 'USER#u2',
      SK: 'ACCOUNT',
    });
    expect(chat.commandCalls(CreateChatTokenCommand)[0]?.args[0].input.attributes).toEqual({
      handle: 'bob',
      role: 'VIEWER',
      channelId: 'c1',
    });
  });

  it('refuses a banned user clearly and mints nothing', async () => {
    ddb.on(BatchGetCommand).resolves({ Responses: { Main: [profile, { PK: 'CHANNEL#c1', SK: 'BAN#u2' }] } });
    const result = await tokenHandler(invoke('createChatToken', user('u2', 'bob'), { channelId: 'c1' }));
    expect(result).toEqual({ error: { type: 'BANNED', message: 'You are banned from this chat.', info: {} } });
    expect(chat).not.toHaveReceivedCommand(CreateChatTokenCommand);
  });

  it('refuses an account banned from the platform with the reason, in the same read, and mints nothing', async () => {
    const ban = { PK: 'USER#u2', SK: 'SUSPENSION', banned: true, reason: 'Spam links in every chat.' };
    ddb.on(BatchGetCommand).resolves({ Responses: { Main: [profile, ban] } });
    const result = await tokenHandler(invoke('createChatToken', user('u2', 'bob'), { channelId: 'c1' }));
    expect(result).toEqual({
      error: {
        type: 'ACCOUNT_BANNED',
        message:
          'Your account has been banned by our team: it can no longer bid, buy, chat, follow or stream. Reason given: Spam links in every chat.',
        info: {},
      },
    });
    expect(chat).not.toHaveReceivedCommand(CreateChatTokenCommand);
    expect(ddb.commandCalls(BatchGetCommand)).toHaveLength(1);
  });

  it('still gives a streamer whose channel is suspended (not banned) a token for watching others', async () => {
    const suspension = { PK: 'USER#u2', SK: 'SUSPENSION', banned: false, reason: 'Reported live stream.' };
    ddb.on(BatchGetCommand).resolves({ Responses: { Main: [profile, suspension] } });
    const result = await tokenHandler(invoke('createChatToken', user('u2', 'bob'), { channelId: 'c1' }));
    expect(result).toMatchObject({ data: { capabilities: ['SEND_MESSAGE'] } });
  });

  it('gives signed-out visitors a read-only token', async () => {
    ddb.on(BatchGetCommand).resolves({ Responses: { Main: [profile] } });
    const result = await tokenHandler(
      invoke('createChatToken', { cognitoIdentityAuthType: 'unauthenticated' }, { channelId: 'c1' }),
    );
    expect(result).toMatchObject({ data: { capabilities: [] } });
    const input = chat.commandCalls(CreateChatTokenCommand)[0]?.args[0].input;
    expect(input?.capabilities).toEqual([]);
    expect(input?.userId).toMatch(/^guest-[0-9a-f-]{36}$/);
    expect(input?.attributes).toEqual({ handle: 'guest', role: 'GUEST', channelId: 'c1' });
  });

  it('answers NOT_FOUND for a channel without a room', async () => {
    ddb.on(BatchGetCommand).resolves({ Responses: { Main: [] } });
    expect(await tokenHandler(invoke('createChatToken', user('u2', 'bob'), { channelId: 'nope' }))).toMatchObject({
      error: { type: 'NOT_FOUND' },
    });
  });
});

describe('chat-review', () => {
  const settingsItem = {
    PK: 'CHANNEL#c1',
    SK: 'CHAT',
    slowModeSeconds: 0,
    blockedWords: ['scam'],
    blockedWordsAction: 'MASK',
    maxMessageLength: 100,
  };
  const message = (content: string, userId = 'u2') => ({
    Content: content,
    MessageId: 'm1',
    RoomArn: ROOM,
    Attributes: { k: 'v' },
    Sender: { UserId: userId, Attributes: { channelId: 'c1', handle: 'bob' } },
  });

  it('allows with blocked words masked and records the message time in one conditional write', async () => {
    ddb.on(BatchGetCommand).resolves({ Responses: { Main: [settingsItem, profile] } });
    ddb.on(UpdateCommand).resolves({});
    const res = await reviewHandler(message('what a scam'));
    expect(res).toEqual({ ReviewResult: 'ALLOW', Content: 'what a ****', Attributes: { k: 'v' } });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      TableName: 'Main',
      Key: { PK: 'CHANNEL#c1', SK: 'MEMBER#u2' },
      UpdateExpression: 'SET lastMessageAt = :now',
      ConditionExpression:
        'attribute_not_exists(bannedAt) AND (attribute_not_exists(timeoutUntil) OR timeoutUntil <= :now)',
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    });
  });

  it('caches room settings: a second message makes only the member write', async () => {
    ddb.on(BatchGetCommand).resolves({ Responses: { Main: [settingsItem, profile] } });
    ddb.on(UpdateCommand).resolves({});
    await reviewHandler(message('one'));
    await reviewHandler(message('two'));
    expect(ddb).toHaveReceivedCommandTimes(BatchGetCommand, 1);
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 2);
  });

  it('denies over-long messages without touching the member item', async () => {
    ddb.on(BatchGetCommand).resolves({ Responses: { Main: [settingsItem, profile] } });
    const res = await reviewHandler(message('x'.repeat(101)));
    expect(res).toMatchObject({
      ReviewResult: 'DENY',
      Attributes: { denialCode: 'TOO_LONG', denialReason: 'Messages can be at most 100 characters.' },
    });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('explains a failed condition from the old item: ban, then slow mode', async () => {
    ddb.on(BatchGetCommand).resolves({ Responses: { Main: [{ ...settingsItem, slowModeSeconds: 30 }, profile] } });
    const fail = (item: Record<string, unknown>) =>
      Object.assign(new ConditionalCheckFailedException({ message: 'failed', $metadata: {} }), {
        Item: marshall(item),
      });
    ddb
      .on(UpdateCommand)
      .rejectsOnce(fail({ bannedAt: '2026-01-01T00:00:00.000Z' }))
      .rejectsOnce(fail({ lastMessageAt: new Date(Date.now() - 10_000).toISOString() }));
    expect(await reviewHandler(message('hi'))).toMatchObject({
      ReviewResult: 'DENY',
      Attributes: { denialCode: 'BANNED' },
    });
    const slow = await reviewHandler(message('hi again'));
    expect(slow).toMatchObject({ ReviewResult: 'DENY', Attributes: { denialCode: 'SLOW_MODE' } });
    expect(Number(slow.Attributes.retryAfterSeconds)).toBeGreaterThanOrEqual(19);
    expect(ddb.commandCalls(UpdateCommand)[1]?.args[0].input.ConditionExpression).toContain('lastMessageAt <= :cutoff');
  });

  it('throws on DynamoDB errors so IVS applies the room fallback', async () => {
    ddb.on(BatchGetCommand).rejects(new Error('throttled'));
    await expect(reviewHandler(message('hi'))).rejects.toThrow('throttled');
  });
});

describe('chat-moderation', () => {
  const asStreamer = user('c1', 'ann');
  beforeEach(() => {
    ddb.on(BatchGetCommand).resolves({ Responses: { Main: [profile] } });
    ddb.on(PutCommand).resolves({});
    ddb.on(TransactWriteCommand).resolves({});
    ddb.on(UpdateCommand).resolves({});
    ddb.on(GetCommand).resolves({});
    ddb.on(QueryCommand).resolves({ Items: [{ PK: 'PRODUCT#p1', SK: 'PRODUCT' }] });
    chat.on(DisconnectUserCommand).resolves({});
  });

  it("bans: ban record and member flag in one transaction, the channel's products refuse the user's bids, disconnect, log entry", async () => {
    ddb
      .on(GetCommand, { Key: { PK: 'CHANNEL#c1', SK: 'BAN#u2' } })
      .resolves({ Item: { PK: 'CHANNEL#c1', SK: 'BAN#u2' } });
    const res = await moderationHandler(
      invoke('banUser', asStreamer, { channelId: 'c1', userId: 'u2', reason: 'spam' }),
    );
    expect(res).toMatchObject({
      data: { action: 'BAN', channelId: 'c1', actorId: 'c1', actorHandle: 'ann', targetUserId: 'u2', reason: 'spam' },
    });
    const tx = ddb.commandCalls(TransactWriteCommand)[0]?.args[0].input.TransactItems ?? [];
    expect(tx[0]?.Put?.Item).toMatchObject({ PK: 'CHANNEL#c1', SK: 'BAN#u2', userId: 'u2', reason: 'spam' });
    expect(tx[1]?.Update).toMatchObject({
      Key: { PK: 'CHANNEL#c1', SK: 'MEMBER#u2' },
      UpdateExpression: 'SET bannedAt = :s',
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { PK: 'PRODUCT#p1', SK: 'PRODUCT' },
      UpdateExpression: 'ADD bannedBidders :u',
    });
    expect(chat).toHaveReceivedCommandWith(DisconnectUserCommand, {
      roomIdentifier: ROOM,
      userId: 'u2',
      reason: 'spam',
    });
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
      PK: 'CHANNEL#c1',
      type: 'ModerationEntry',
      action: 'BAN',
    });
    expect(String(ddb.commandCalls(PutCommand)[0]?.args[0].input.Item?.SK)).toMatch(
      /^MODLOG#\d{4}-.+#mod_[0-9A-Z]{20}$/,
    );
  });

  it('refuses viewers and stops moderators from acting on each other', async () => {
    expect(
      await moderationHandler(invoke('banUser', user('u9', 'eve'), { channelId: 'c1', userId: 'u2' })),
    ).toMatchObject({ error: { type: 'FORBIDDEN' } });
    ddb.on(BatchGetCommand).resolves({ Responses: { Main: [profile, { PK: 'CHANNEL#c1', SK: 'MOD#u3' }] } });
    ddb
      .on(BatchGetCommand, {
        RequestItems: {
          Main: {
            Keys: [
              { PK: 'CHANNEL#c1', SK: 'MOD#u4' },
              { PK: 'USER#u4', SK: 'ACCOUNT' },
            ],
          },
        },
      })
      .resolves({ Responses: { Main: [{ PK: 'CHANNEL#c1', SK: 'MOD#u4' }] } });
    expect(
      await moderationHandler(invoke('timeoutUser', user('u3', 'mo'), { channelId: 'c1', userId: 'u4', seconds: 60 })),
    ).toMatchObject({ error: { type: 'FORBIDDEN', message: 'Only the streamer can moderate a moderator.' } });
    expect(
      await moderationHandler(invoke('timeoutUser', user('u3', 'mo'), { channelId: 'c1', userId: 'c1', seconds: 60 })),
    ).toMatchObject({ error: { type: 'FORBIDDEN' } });
    expect(chat).not.toHaveReceivedCommand(DisconnectUserCommand);
  });

  it('times out for N seconds and deletes messages through IVS Chat', async () => {
    const t0 = Date.now();
    await moderationHandler(invoke('timeoutUser', asStreamer, { channelId: 'c1', userId: 'u2', seconds: 120 }));
    const until = ddb.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues?.[':u'] as string;
    expect(Date.parse(until) - t0).toBeGreaterThanOrEqual(119_000);
    expect(
      await moderationHandler(invoke('timeoutUser', asStreamer, { channelId: 'c1', userId: 'u2', seconds: 0 })),
    ).toMatchObject({ error: { type: 'VALIDATION' } });
    chat.on(DeleteMessageCommand).resolves({ id: 'evt' });
    await moderationHandler(
      invoke('deleteChatMessage', asStreamer, { channelId: 'c1', messageId: 'm9', reason: 'rude' }),
    );
    expect(chat).toHaveReceivedCommandWith(DeleteMessageCommand, { roomIdentifier: ROOM, id: 'm9', reason: 'rude' });
  });

  it('updates settings and pushes a settings event to the room', async () => {
    ddb.on(GetCommand, { Key: { PK: 'CHANNEL#c1', SK: 'CHAT' } }).resolves({
      Item: {
        PK: 'CHANNEL#c1',
        SK: 'CHAT',
        slowModeSeconds: 0,
        blockedWords: ['scam'],
        blockedWordsAction: 'MASK',
        maxMessageLength: 500,
      },
    });
    ddb.on(UpdateCommand).resolves({
      Attributes: {
        PK: 'CHANNEL#c1',
        SK: 'CHAT',
        slowModeSeconds: 10,
        blockedWords: ['scam'],
        blockedWordsAction: 'MASK',
        maxMessageLength: 500,
        pinnedMessage: 'Welcome',
      },
    });
    chat.on(SendEventCommand).resolves({ id: 'e1' });
    const res = await moderationHandler(
      invoke('updateChatSettings', asStreamer, {
        input: { channelId: 'c1', slowModeSeconds: 10, pinnedMessage: 'Welcome' },
      }),
    );
    expect(res).toMatchObject({ data: { channelId: 'c1', slowModeSeconds: 10, pinnedMessage: 'Welcome' } });
    expect(chat).toHaveReceivedCommandWith(SendEventCommand, {
      roomIdentifier: ROOM,
      eventName: 'settings',
      attributes: { slowModeSeconds: '10', pinnedMessage: 'Welcome' },
    });
    expect(ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.action)).toEqual([
      'SLOW_MODE',
      'PINNED_MESSAGE',
    ]);
  });

  it('saving the settings form logs and writes only what changed', async () => {
    const stored = {
      PK: 'CHANNEL#c1',
      SK: 'CHAT',
      slowModeSeconds: 10,
      blockedWords: ['scam'],
      blockedWordsAction: 'MASK',
      maxMessageLength: 500,
      pinnedMessage: 'Welcome',
    };
    ddb.on(GetCommand, { Key: { PK: 'CHANNEL#c1', SK: 'CHAT' } }).resolves({ Item: stored });
    chat.on(SendEventCommand).resolves({ id: 'e1' });
    const form = {
      channelId: 'c1',
      slowModeSeconds: 10,
      blockedWords: ['scam'],
      blockedWordsAction: 'MASK' as const,
      pinnedMessage: 'Welcome',
    };
    expect(await moderationHandler(invoke('updateChatSettings', asStreamer, { input: form }))).toMatchObject({
      data: { channelId: 'c1', slowModeSeconds: 10 },
    });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
    ddb.on(UpdateCommand).resolves({ Attributes: { ...stored, blockedWords: ['scam', 'fake'] } });
    await moderationHandler(
      invoke('updateChatSettings', asStreamer, { input: { ...form, blockedWords: ['scam', 'fake'] } }),
    );
    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeNames).toEqual({
      '#blockedWords': 'blockedWords',
    });
    expect(ddb.commandCalls(PutCommand).map((c) => c.args[0].input.Item?.action)).toEqual(['BLOCKED_WORDS']);
  });

  it('names the target in the log and the timeout list, and lifts a timeout', async () => {
    ddb
      .on(BatchGetCommand, {
        RequestItems: {
          Main: {
            Keys: [
              { PK: 'CHANNEL#c1', SK: 'MOD#u2' },
              { PK: 'USER#u2', SK: 'ACCOUNT' },
            ],
          },
        },
      })
      .resolves({ Responses: { Main: [{ PK: 'USER#u2', SK: 'ACCOUNT', handle: 'bob' }] } });
    const timedOut = await moderationHandler(
      invoke('timeoutUser', asStreamer, { channelId: 'c1', userId: 'u2', seconds: 60, reason: 'calm down' }),
    );
    expect(timedOut).toMatchObject({
      data: { action: 'TIMEOUT', targetUserId: 'u2', targetHandle: 'bob', durationSeconds: 60 },
    });
    expect(ddb.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues).toMatchObject({
      ':h': 'bob',
      ':r': 'calm down',
    });
    const lifted = await moderationHandler(invoke('liftTimeout', asStreamer, { channelId: 'c1', userId: 'u2' }));
    expect(lifted).toMatchObject({ data: { action: 'LIFT_TIMEOUT', targetHandle: 'bob' } });
    expect(ddb.commandCalls(UpdateCommand)[1]?.args[0].input).toMatchObject({
      Key: { PK: 'CHANNEL#c1', SK: 'MEMBER#u2' },
      UpdateExpression: 'REMOVE timeoutUntil, timedOutAt, timeoutReason',
    });
    // Lifting disconnects them too, so their chat reconnects with a token that can send.
    expect(chat.commandCalls(DisconnectUserCommand).map((c) => c.args[0].input.userId)).toEqual(['u2', 'u2']);
    expect(
      (await moderationHandler(invoke('banUser', asStreamer, { channelId: 'c1', userId: 'u2' }))) as unknown,
    ).toMatchObject({ data: { action: 'BAN', targetHandle: 'bob' } });
  });

  it('adds a moderator by handle (streamer only)', async () => {
    ddb.on(GetCommand, { Key: { PK: 'HANDLE#moe', SK: 'HANDLE' } }).resolves({ Item: { userId: 'u3', handle: 'moe' } });
    const res = await moderationHandler(invoke('addModerator', asStreamer, { channelId: 'c1', handle: '@Moe' }));
    expect(res).toMatchObject({ data: { action: 'ADD_MODERATOR', targetUserId: 'u3', targetHandle: 'moe' } });
    expect(ddb.commandCalls(PutCommand)[0]?.args[0].input.Item).toMatchObject({
      PK: 'CHANNEL#c1',
      SK: 'MOD#u3',
      GSI1PK: 'USER#u3#MODERATES',
      GSI1SK: 'c1',
    });
    expect(
      await moderationHandler(invoke('addModerator', asStreamer, { channelId: 'c1', handle: 'ghost' })),
    ).toMatchObject({ error: { type: 'NOT_FOUND', message: 'Nobody has the handle @ghost.' } });
    expect(
      await moderationHandler(invoke('addModerator', asStreamer, { channelId: 'c1', handle: 'x'.repeat(2000) })),
    ).toMatchObject({ error: { type: 'NOT_FOUND', message: 'Nobody has that handle.' } });
  });
});
