import { readFileSync } from 'node:fs';
import { GetObjectCommand, ListObjectsV2Command, NoSuchKey, S3Client } from '@aws-sdk/client-s3';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.TABLE_NAME = 'Main';
  process.env.IDEMPOTENCY_TABLE_NAME = 'Idem';
  process.env.REPLAY_BASE_URL = 'https://d111111abcdef8.cloudfront.net';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

const { handler, processRecordingEvent } = await import('../../../../lambdas/recording-state/handler');
const { recordingEventSchema, recordingIdFromSession } = await import('../../../../lambdas/shared/domain/recordings');

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/recordings/${name}`, import.meta.url), 'utf8'));
/** The part of the SDK's streaming body the handler uses. */
const body = (text: string) => ({ transformToString: async () => text });

const ddb = mockClient(DynamoDBDocumentClient);
const raw = mockClient(DynamoDBClient);
const s3 = mockClient(S3Client);
const context = {
  functionName: 'recording-state',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;

const PREFIX = 'ivs/v1/123456789012/AbCdef1G2hij/2020/6/23/20/12/j8Z9O91ndcVs';
const recordingId = recordingIdFromSession('e7f3c9a0-1234-4567-89ab-0c1d2e3f4a5b');
const profile = { PK: 'USER#user-1', SK: 'PROFILE', userId: 'user-1', handle: 'alice', title: 'Vintage hour' };

/** A tiny in-memory Recording item store behind the mocked Get/Put, honouring the version condition. */
function storeBehindMock(): Map<string, Record<string, unknown>> {
  const items = new Map<string, Record<string, unknown>>();
  ddb.on(GetCommand).callsFake((input: { Key: { PK: string } }) => ({ Item: items.get(input.Key.PK) }));
  ddb
    .on(PutCommand)
    .callsFake((input: { Item: Record<string, unknown>; ExpressionAttributeValues?: Record<string, unknown> }) => {
      const pk = String(input.Item.PK);
      const current = items.get(pk);
      if (pk.startsWith('RECORDING#') && current && current.version !== input.ExpressionAttributeValues?.[':v']) {
        throw new ConditionalCheckFailedException({ message: 'version', $metadata: {} });
      }
      items.set(pk, input.Item);
      return {};
    });
  return items;
}

beforeEach(() => {
  ddb.reset();
  raw.reset();
  s3.reset();
  raw.on(PutItemCommand).resolves({});
  raw.on(UpdateItemCommand).resolves({});
  ddb.on(QueryCommand).resolves({ Items: [profile] });
  ddb.on(UpdateCommand).resolves({});
  s3.on(GetObjectCommand, {
    Key: 'ivs/v1/123456789012/AbCdef1G2hij/2020/6/23/20/12/j8Z9O91ndcVs/events/recording-started.json',
  }).resolves({
    Body: body(readFileSync(new URL('../../../fixtures/recordings/recording-started.json', import.meta.url), 'utf8')),
  } as never);
  s3.on(ListObjectsV2Command, { Prefix: `${PREFIX}/media/thumbnails/720p60/` }).resolves({
    Contents: [
      { Key: `${PREFIX}/media/thumbnails/720p60/thumb0.jpg` },
      { Key: `${PREFIX}/media/thumbnails/720p60/thumb1.jpg` },
    ],
  });
  s3.on(GetObjectCommand, {
    Key: 'ivs/v1/123456789012/AbCdef1G2hij/2020/6/23/20/12/j8Z9O91ndcVs/events/recording-ended.json',
  }).resolves({
    Body: body(readFileSync(new URL('../../../fixtures/recordings/recording-ended.json', import.meta.url), 'utf8')),
  } as never);
});

describe('recording-state handler', () => {
  it('Recording Start: indexes the recording and points the profile at it', async () => {
    const items = storeBehindMock();
    await handler(fixture('recording-start.json'), context);

    const item = items.get(`RECORDING#${recordingId}`);
    expect(item).toMatchObject({
      type: 'Recording',
      recordingId,
      userId: 'user-1',
      handle: 'alice',
      state: 'RECORDING',
      startedAt: '2020-06-23T20:12:34.908Z',
      GSI1PK: 'USER#user-1#RECORDINGS',
      GSI3PK: 'STREAM#st-1A2b3c4D5e6F78ab91Cd23Ef#RECORDING',
      saleCount: 0,
      classification: 'NO_SALES',
      thumbnailUrl:
        'https://d111111abcdef8.cloudfront.net/ivs/v1/123456789012/AbCdef1G2hij/2020/6/23/20/12/j8Z9O91ndcVs/media/thumbnails/720p60/thumb0.jpg',
    });
    expect(item?.GSI2PK).toBeUndefined();
    expect(items.get('S3PREFIX#ivs/v1/123456789012/AbCdef1G2hij/2020/6/23/20/12/j8Z9O91ndcVs')).toMatchObject({
      recordingId,
    });
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'GSI2',
      ExpressionAttributeValues: {
        ':pk': 'CHANNEL_ARN#arn:aws:ivs:us-west-2:123456789012:channel/AbCdef1G2hij',
        ':sk': 'PROFILE',
      },
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { PK: 'USER#user-1', SK: 'PROFILE' },
      UpdateExpression: expect.stringContaining(
        'SET currentRecordingId = :id, recordingStartedAt = :at, liveThumbnailUrl = :thumb',
      ),
      ExpressionAttributeValues: expect.objectContaining({
        ':id': recordingId,
        ':at': '2020-06-23T20:12:34.908Z',
        ':thumb': `https://d111111abcdef8.cloudfront.net/${PREFIX}/media/latest_thumbnail/thumb.jpg`,
      }),
    });
  });

  it('takes the thumbnail name from the bucket listing (a recorder numbering from thumb1), and none while nothing is listed', async () => {
    const items = storeBehindMock();
    s3.on(ListObjectsV2Command, { Prefix: `${PREFIX}/media/thumbnails/720p60/` }).resolves({
      Contents: [
        { Key: `${PREFIX}/media/thumbnails/720p60/thumb1.jpg` },
        { Key: `${PREFIX}/media/thumbnails/720p60/thumb10.jpg` },
        { Key: `${PREFIX}/media/thumbnails/720p60/thumb2.jpg` },
      ],
    });
    await processRecordingEvent(recordingEventSchema.parse(fixture('recording-end.json')));
    expect(items.get(`RECORDING#${recordingId}`)?.thumbnailUrl).toBe(
      `https://d111111abcdef8.cloudfront.net/${PREFIX}/media/thumbnails/720p60/thumb1.jpg`,
    );

    items.clear();
    s3.on(ListObjectsV2Command).resolves({ Contents: [] });
    await processRecordingEvent(recordingEventSchema.parse(fixture('recording-start.json')));
    expect(items.get(`RECORDING#${recordingId}`)?.thumbnailUrl).toBeUndefined();
  });

  it('Recording End before Start: ends AVAILABLE and the late Start does not regress it', async () => {
    const items = storeBehindMock();
    const end = recordingEventSchema.parse(fixture('recording-end.json'));
    const start = recordingEventSchema.parse(fixture('recording-start.json'));
    await processRecordingEvent(end);
    await processRecordingEvent(start);

    expect(items.get(`RECORDING#${recordingId}`)).toMatchObject({
      state: 'AVAILABLE',
      durationMs: 3603226,
      endedAt: '2020-06-23T21:12:38.134Z',
      renditions: ['480p30', '360p30', '160p30', '720p60'],
      GSI2PK: 'RECORDINGS',
    });
    // Start after End must not point the profile at a finished recording.
    const profileSets = ddb
      .commandCalls(UpdateCommand)
      .filter((c) => String(c.args[0].input.UpdateExpression).startsWith('SET currentRecordingId'));
    expect(profileSets).toHaveLength(0);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      UpdateExpression: expect.stringContaining('REMOVE currentRecordingId'),
      ConditionExpression: 'currentRecordingId = :id',
    });
  });

  it('keeps sale counts a stub already holds when the Start arrives', async () => {
    const items = storeBehindMock();
    items.set(`RECORDING#${recordingId}`, {
      PK: `RECORDING#${recordingId}`,
      SK: 'RECORDING',
      saleCount: 2,
      version: 2,
    });
    await processRecordingEvent(recordingEventSchema.parse(fixture('recording-start.json')));
    expect(items.get(`RECORDING#${recordingId}`)).toMatchObject({
      state: 'RECORDING',
      saleCount: 2,
      classification: 'HAS_SALES',
      version: 3,
    });
  });

  it('retries the write when another event changed the item in between', async () => {
    const items = storeBehindMock();
    let first = true;
    ddb.on(PutCommand).callsFake((input: { Item: Record<string, unknown> }) => {
      if (first && String(input.Item.PK).startsWith('RECORDING#')) {
        first = false;
        throw new ConditionalCheckFailedException({ message: 'version', $metadata: {} });
      }
      items.set(String(input.Item.PK), input.Item);
      return {};
    });
    await processRecordingEvent(recordingEventSchema.parse(fixture('recording-start.json')));
    expect(ddb.commandCalls(GetCommand)).toHaveLength(2);
    expect(items.get(`RECORDING#${recordingId}`)).toMatchObject({ state: 'RECORDING' });
  });

  it('works from the event alone when the metadata file is not there yet', async () => {
    const items = storeBehindMock();
    s3.on(GetObjectCommand).rejects(new NoSuchKey({ message: 'missing', $metadata: {} }));
    await processRecordingEvent(recordingEventSchema.parse(fixture('recording-start.json')));
    expect(items.get(`RECORDING#${recordingId}`)).toMatchObject({
      state: 'RECORDING',
      startedAt: '2020-06-23T20:12:36.000Z',
    });
  });

  it('Start Failure marks the recording FAILED with the reason', async () => {
    const items = storeBehindMock();
    await processRecordingEvent(recordingEventSchema.parse(fixture('recording-start-failure.json')));
    const failed = [...items.values()].find((i) => i.type === 'Recording');
    expect(failed).toMatchObject({ state: 'FAILED', stateReason: 'InternalServerException' });
  });

  it('ignores a channel without a profile and malformed events', async () => {
    storeBehindMock();
    ddb.on(QueryCommand).resolves({ Items: [] });
    await expect(
      processRecordingEvent(recordingEventSchema.parse(fixture('recording-start.json'))),
    ).resolves.toBeUndefined();
    await expect(handler({ 'detail-type': 'Something else' }, context)).resolves.toEqual({ ignored: true });
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('runs an event once: the idempotency record is written to the idempotency table', async () => {
    storeBehindMock();
    await handler(fixture('recording-start.json'), context);
    expect(raw).toHaveReceivedCommandWith(PutItemCommand, { TableName: 'Idem' });
  });
});
