import { readFileSync } from 'node:fs';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { BatchWriteCommand, DynamoDBDocumentClient, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const publish = vi.hoisted(() => vi.fn(async () => ({})));
vi.mock('../../../../lambdas/shared/appsync-publish', () => ({ publish }));
const { handler, PUBLISH_NOTIFICATION } = await import('../../../../lambdas/go-live-fanout/handler');
const { goLiveNotificationId } = await import('../../../../lambdas/shared/domain/alerts');

const sns = mockClient(SNSClient);
const ddb = mockClient(DynamoDBDocumentClient);
const event = JSON.parse(readFileSync('test/fixtures/events/ivs-stream-start.json', 'utf8'));
const CHANNEL_ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdef1G2hij';
const STREAM = 'st-1A2b3c4d5e6f78ABCDEF';
const CLAIM = 'attribute_not_exists(PK) OR #state = :released';
const profile = { userId: 'u1', handle: 'ann', displayName: 'Ann', title: 'Sneaker drop', goingLiveMessage: 'Rare Jordans at 8!', channelArn: CHANNEL_ARN };

function followers(n: number) {
  return Array.from({ length: n }, (_, i) => ({ PK: `USER#f${i}`, followerId: `f${i}` }));
}

describe('go-live-fanout', () => {
  beforeEach(() => {
    sns.reset();
    ddb.reset();
    publish.mockClear();
    Object.assign(process.env, { TABLE_NAME: 'Main', GO_LIVE_TOPIC_ARN: 'arn:aws:sns:us-west-2:123456789012:go-live', WEB_URL: 'https://shop.example.com/' });
    ddb.on(QueryCommand, { IndexName: 'GSI2' }).resolves({ Items: [profile] });
    ddb.on(GetCommand, { Key: { PK: 'USER#u1', SK: 'PROFILE' } }).resolves({ Item: profile });
    ddb.on(UpdateCommand).resolves({});
    ddb.on(UpdateCommand, { Key: { PK: `STREAM#${STREAM}`, SK: 'ALERTED' }, ConditionExpression: CLAIM }).resolves({ Attributes: { state: 'IN_PROGRESS' } });
    ddb.on(BatchWriteCommand).resolves({});
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('claims the stream, publishes to SNS with the streamerId attribute, writes and pushes one notification per follower', async () => {
    ddb.on(QueryCommand, { IndexName: 'GSI1' }).resolvesOnce({ Items: followers(30), LastEvaluatedKey: { PK: 'x' } }).resolvesOnce({ Items: followers(60).slice(30) });

    const out = await handler(event);

    expect(out).toEqual({ status: 'SENT', followers: 60 });
    expect(ddb).toReceiveCommandWith(UpdateCommand, {
      Key: { PK: `STREAM#${STREAM}`, SK: 'ALERTED' },
      ConditionExpression: CLAIM,
      ExpressionAttributeValues: expect.objectContaining({ ':inProgress': 'IN_PROGRESS', ':released': 'RELEASED' }),
      ReturnValues: 'ALL_NEW',
    });
    expect(sns).toReceiveCommandWith(PublishCommand, {
      TopicArn: 'arn:aws:sns:us-west-2:123456789012:go-live',
      Subject: 'Ann is live',
      Message: 'Rare Jordans at 8!\n\nWatch: https://shop.example.com/s/ann',
      MessageAttributes: { streamerId: { DataType: 'String', StringValue: 'u1' }, handle: { DataType: 'String', StringValue: 'ann' } },
    });
    const batches = ddb.commandCalls(BatchWriteCommand).map((c) => c.args[0].input.RequestItems!.Main!.length);
    expect(batches.sort()).toEqual([25, 25, 5, 5].sort());
    const first = ddb.commandCalls(BatchWriteCommand)[0]!.args[0].input.RequestItems!.Main![0]!.PutRequest!.Item!;
    expect(first).toMatchObject({ PK: 'USER#f0', SK: `NOTIF#2025-06-12T10:23:43.000Z#${goLiveNotificationId(STREAM, 'f0')}`, kind: 'GO_LIVE', read: false, link: 'https://shop.example.com/s/ann' });
    expect(publish).toHaveBeenCalledTimes(60);
    expect(publish).toHaveBeenCalledWith(PUBLISH_NOTIFICATION, { input: expect.objectContaining({ userId: 'f59', kind: 'GO_LIVE', title: 'Ann is live' }) });
    expect(ddb).toReceiveCommandWith(UpdateCommand, { ExpressionAttributeValues: expect.objectContaining({ ':v0': 'DONE' }) });
  });

  it('retries UnprocessedItems until written', async () => {
    ddb.on(QueryCommand, { IndexName: 'GSI1' }).resolves({ Items: followers(3) });
    ddb.on(BatchWriteCommand).resolvesOnce({ UnprocessedItems: { Main: [{ PutRequest: { Item: { PK: 'USER#f2', SK: 'NOTIF#x' } } }] } }).resolves({});

    await handler(event);

    const calls = ddb.commandCalls(BatchWriteCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]!.args[0].input.RequestItems!.Main).toEqual([{ PutRequest: { Item: { PK: 'USER#f2', SK: 'NOTIF#x' } } }]);
  });

  it('sends nothing for a stream already alerted (duplicate Stream Start)', async () => {
    ddb.on(UpdateCommand, { ConditionExpression: CLAIM }).rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    expect(await handler(event)).toEqual({ status: 'ALREADY_SENT', followers: 0 });
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
    expect(ddb).not.toHaveReceivedCommand(BatchWriteCommand);
  });

  it('a retry after a failure does not publish to SNS twice and releases the claim on failure', async () => {
    ddb.on(UpdateCommand, { ConditionExpression: CLAIM }).resolves({ Attributes: { state: 'IN_PROGRESS', snsMessageId: 'm-0' } });
    ddb.on(QueryCommand, { IndexName: 'GSI1' }).rejects(new Error('throttled'));

    await expect(handler(event)).rejects.toThrow('throttled');

    expect(sns).not.toHaveReceivedCommand(PublishCommand);
    expect(ddb).toReceiveCommandWith(UpdateCommand, { ExpressionAttributeValues: { ':v0': 'RELEASED' } });
  });
});
