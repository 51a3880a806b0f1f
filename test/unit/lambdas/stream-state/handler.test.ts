import { readFileSync } from 'node:fs';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
  GetItemCommand,
  DeleteItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';

const publish = vi.hoisted(() => vi.fn(async () => ({})));
vi.mock('../../../../lambdas/shared/appsync-publish', () => ({ publish }));

const { handler, PUBLISH_STREAM_STATUS } = await import('../../../../lambdas/stream-state/handler');

const raw = mockClient(DynamoDBClient);
const ddb = mockClient(DynamoDBDocumentClient);
const fixture = (name: string) =>
  JSON.parse(readFileSync(`test/fixtures/events/${name}.json`, 'utf8')) as Record<string, unknown>;
const context = {
  functionName: 'stream-state',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;
const CHANNEL_ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdef1G2hij';

/** Powertools idempotency records, with DynamoDB's conditional-put answer for an existing key. */
function fakeIdempotencyTable() {
  const records = new Map<string, Record<string, unknown>>();
  raw.on(PutItemCommand).callsFake((input: { Item: Record<string, never> }) => {
    const item = unmarshall(input.Item);
    const existing = records.get(item.id as string);
    if (existing && (existing.expiration as number) > Date.now() / 1000) {
      throw new ConditionalCheckFailedException({
        message: 'exists',
        $metadata: {},
        Item: marshall(existing) as never,
      });
    }
    records.set(item.id as string, item);
    return {};
  });
  raw
    .on(UpdateItemCommand)
    .callsFake((input: { Key: Record<string, never>; ExpressionAttributeValues: Record<string, never> }) => {
      const id = unmarshall(input.Key).id as string;
      const v = unmarshall(input.ExpressionAttributeValues);
      records.set(id, {
        ...records.get(id),
        expiration: v[':expiry'],
        status: v[':status'],
        data: v[':response_data'],
      });
      return {};
    });
  raw.on(GetItemCommand).callsFake((input: { Key: Record<string, never> }) => {
    const r = records.get(unmarshall(input.Key).id as string);
    return { Item: r ? marshall(r) : undefined };
  });
  raw.on(DeleteItemCommand).callsFake((input: { Key: Record<string, never> }) => {
    records.delete(unmarshall(input.Key).id as string);
    return {};
  });
  return records;
}

describe('stream-state', () => {
  beforeEach(() => {
    raw.reset();
    ddb.reset();
    publish.mockClear();
    Object.assign(process.env, { TABLE_NAME: 'Main', IDEMPOTENCY_TABLE_NAME: 'Idem' });
    fakeIdempotencyTable();
    ddb.on(QueryCommand).resolves({
      Items: [{ userId: 'u1', handle: 'ann', title: 'Sneaker drop', category: 'Shoes', channelArn: CHANNEL_ARN }],
    });
    ddb.on(UpdateCommand).resolves({});
  });

  it('Stream Start: session item, profile LIVE on the sparse live and category indexes, ordered by event time, then publishStreamStatus', async () => {
    const out = await handler(fixture('ivs-stream-start'), context);

    expect(out).toBe('APPLIED');
    expect(ddb).toReceiveCommandWith(QueryCommand, {
      IndexName: 'GSI2',
      ExpressionAttributeValues: { ':pk': `CHANNEL_ARN#${CHANNEL_ARN}`, ':sk': 'PROFILE' },
    });
    expect(ddb).toReceiveCommandWith(UpdateCommand, {
      TableName: 'Main',
      Key: { PK: 'STREAM#st-1A2b3c4d5e6f78ABCDEF', SK: 'STREAM' },
      ConditionExpression: 'attribute_not_exists(endedAt)',
    });
    expect(ddb).toReceiveCommandWith(UpdateCommand, {
      TableName: 'Main',
      Key: { PK: 'USER#u1', SK: 'PROFILE' },
      ConditionExpression:
        '(attribute_not_exists(lastEventAt) OR lastEventAt <= :at) AND NOT (#status = :live AND currentStreamId = :sid)',
      ExpressionAttributeValues: expect.objectContaining({
        ':at': '2025-06-12T10:23:43.000Z',
        ':livePk': 'LIVE',
        ':cat': 'CATEGORY#Shoes',
        ':sid': 'st-1A2b3c4d5e6f78ABCDEF',
      }),
    });
    expect(publish).toHaveBeenCalledWith(PUBLISH_STREAM_STATUS, {
      input: {
        channelId: 'u1',
        handle: 'ann',
        status: 'LIVE',
        streamId: 'st-1A2b3c4d5e6f78ABCDEF',
        title: 'Sneaker drop',
        at: '2025-06-12T10:23:43.000Z',
      },
    });
  });

  it('Stream Start of a channel that starts in Preview: LIVE and inPreview, on no live or category index (Go public lists it)', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [{ userId: 'u1', handle: 'ann', category: 'Shoes', channelArn: CHANNEL_ARN, startInPreview: true }],
    });

    expect(await handler(fixture('ivs-stream-start'), context)).toBe('APPLIED');

    const write = ddb
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input)
      .find((i) => i.Key?.SK === 'PROFILE');
    expect(write?.UpdateExpression).toContain('inPreview = :preview');
    expect(write?.UpdateExpression).not.toMatch(/GSI1PK|GSI3PK/);
    expect(write?.ExpressionAttributeValues).toMatchObject({ ':preview': true });
  });

  it('a duplicate delivery (same event id) is absorbed by idempotency: no second write, no second publish', async () => {
    const event = fixture('ivs-stream-start');
    await handler(event, context);
    const writes = ddb.commandCalls(UpdateCommand).length;

    const again = await handler(structuredClone(event), context);

    expect(again).toBe('APPLIED');
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(writes);
    expect(publish).toHaveBeenCalledTimes(1);
  });

  it('an older event arriving after a newer one is refused by the lastEventAt condition and not published', async () => {
    ddb
      .on(UpdateCommand, { Key: { PK: 'USER#u1', SK: 'PROFILE' } })
      .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));

    const out = await handler(fixture('ivs-session-created'), context);

    expect(out).toBe('STALE');
    expect(publish).not.toHaveBeenCalled();
  });

  it('Stream End: OFFLINE, live index keys removed, session closed', async () => {
    const out = await handler(fixture('ivs-stream-end'), context);

    expect(out).toBe('APPLIED');
    expect(ddb).toReceiveCommandWith(UpdateCommand, {
      Key: { PK: 'USER#u1', SK: 'PROFILE' },
      ConditionExpression: '(attribute_not_exists(lastEventAt) OR lastEventAt <= :at) AND #status = :live',
      UpdateExpression: expect.stringContaining('REMOVE GSI1PK, GSI1SK, GSI3PK, GSI3SK'),
    });
    expect(ddb).toReceiveCommandWith(UpdateCommand, {
      Key: { PK: 'STREAM#st-1A2b3c4d5e6f78ABCDEF', SK: 'STREAM' },
      UpdateExpression: expect.stringContaining('endedAt = if_not_exists(endedAt, :at)'),
    });
    expect(publish).toHaveBeenCalledWith(PUBLISH_STREAM_STATUS, {
      input: expect.objectContaining({ status: 'OFFLINE' }),
    });
  });

  it('ignores events that are not IVS stream state changes', async () => {
    expect(await handler({ source: 'aws.s3' }, context)).toBe('IGNORED');
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });
});
