import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../../lambdas/social/handler';

const ddb = mockClient(DynamoDBDocumentClient);
const call = (fieldName: string, args: Record<string, unknown>, sub = 'f1') =>
  handler({
    arguments: args,
    identity: { sub, claims: { handle: 'fan', preferred_username: 'spoofed' } },
    source: null,
    info: { fieldName, parentTypeName: fieldName === 'streamer' ? 'Query' : 'Mutation' },
  });

describe('social', () => {
  beforeEach(() => {
    ddb.reset();
    process.env.TABLE_NAME = 'Main';
    ddb.on(GetCommand).resolves({});
    ddb
      .on(GetCommand, { Key: { PK: 'USER#s1', SK: 'PROFILE' } })
      .resolves({ Item: { userId: 's1', handle: 'ann', followerCount: 4 } });
    ddb.on(TransactWriteCommand).resolves({});
  });

  it('streamer by handle reads the claim then the profile', async () => {
    ddb.on(GetCommand, { Key: { PK: 'HANDLE#ann', SK: 'HANDLE' } }).resolves({ Item: { userId: 's1' } });
    expect(await call('streamer', { handle: 'Ann' })).toEqual({
      data: { userId: 's1', handle: 'ann', followerCount: 4 },
    });
    expect(await call('streamer', { handle: 'nobody' })).toEqual({ data: null });
  });

  it('follow writes the edge and increments followerCount in one transaction', async () => {
    const out = await call('follow', { streamerId: 's1' });

    expect(out).toEqual({ data: { streamerId: 's1', following: true, followerCount: 4 } });
    const tx = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(tx[0]!.Put).toMatchObject({
      Item: {
        PK: 'USER#f1',
        SK: 'FOLLOWS#s1',
        GSI1PK: 'USER#s1#FOLLOWERS',
        followerId: 'f1',
        followerHandle: 'fan',
        streamerId: 's1',
        streamerHandle: 'ann',
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    });
    expect(tx[1]!.Update).toMatchObject({
      Key: { PK: 'USER#s1', SK: 'PROFILE' },
      UpdateExpression: 'ADD followerCount :one',
    });
  });

  it('following twice is answered without counting twice; self-follow and unknown streamer refused', async () => {
    ddb.on(TransactWriteCommand).rejects(new TransactionCanceledException({ message: 'cancelled', $metadata: {} }));
    expect(await call('follow', { streamerId: 's1' })).toMatchObject({ data: { following: true } });
    expect(await call('follow', { streamerId: 'f1' })).toMatchObject({ error: { type: 'VALIDATION' } });
    expect(await call('follow', { streamerId: 'ghost' })).toMatchObject({ error: { type: 'NOT_FOUND' } });
  });

  it('unfollow deletes the edge and decrements without going below zero', async () => {
    await call('unfollow', { streamerId: 's1' });
    const tx = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
    expect(tx[0]!.Delete).toMatchObject({
      Key: { PK: 'USER#f1', SK: 'FOLLOWS#s1' },
      ConditionExpression: 'attribute_exists(PK)',
    });
    expect(tx[1]!.Update).toMatchObject({
      ConditionExpression: 'attribute_exists(PK) AND followerCount > :zero',
      ExpressionAttributeValues: { ':minus': -1, ':zero': 0 },
    });
  });

  it("marks only the caller's listed notifications read", async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        { PK: 'USER#f1', SK: 'NOTIF#2025-01-02#ntf_B', notificationId: 'ntf_B', read: false },
        { PK: 'USER#f1', SK: 'NOTIF#2025-01-01#ntf_A', notificationId: 'ntf_A', read: false },
      ],
    });
    ddb.on(UpdateCommand).resolves({});

    const out = (await call('markNotificationsRead', { notificationIds: ['ntf_A', 'ntf_unknown'] })) as {
      data: { notificationId: string; read: boolean }[];
    };

    expect(out.data).toEqual([expect.objectContaining({ notificationId: 'ntf_A', read: true })]);
    expect(ddb).toReceiveCommandWith(QueryCommand, { ExpressionAttributeValues: { ':pk': 'USER#f1', ':p': 'NOTIF#' } });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(ddb).toReceiveCommandWith(UpdateCommand, { Key: { PK: 'USER#f1', SK: 'NOTIF#2025-01-01#ntf_A' } });
  });
});
