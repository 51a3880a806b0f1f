import { readFileSync } from 'node:fs';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { Context } from 'aws-lambda';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.TABLE_NAME = 'Main';
  process.env.IDEMPOTENCY_TABLE_NAME = 'Idem';
  process.env.GRAPHQL_URL = 'https://example.appsync-api.us-east-1.amazonaws.com/graphql';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

const publish = vi.hoisted(() => vi.fn(async () => ({})));
vi.mock('../../../../lambdas/shared/appsync-publish', () => ({ publish }));

const { handler, processRestoredObject, restoredObjectsOf } =
  await import('../../../../lambdas/restore-completed/handler');

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../../fixtures/recordings/${name}`, import.meta.url), 'utf8'));
const ddb = mockClient(DynamoDBDocumentClient);
const raw = mockClient(DynamoDBClient);
const PREFIX = 'ivs/v1/123456789012/AbCdef1G2hij/2020/6/23/20/12/j8Z9O91ndcVs';
const context = {
  functionName: 'restore-completed',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;
const object = { id: 'x', bucket: 'your-bucket-name', key: `${PREFIX}/media/hls/720p60/0.ts` };

beforeEach(() => {
  ddb.reset();
  raw.reset();
  publish.mockClear();
  raw.on(PutItemCommand).resolves({});
  raw.on(UpdateItemCommand).resolves({});
  ddb
    .on(GetCommand, { Key: { PK: `S3PREFIX#${PREFIX}`, SK: 'RECORDING' } })
    .resolves({ Item: { recordingId: 'rec_1' } });
  ddb.on(PutCommand).resolves({});
  ddb.on(DeleteCommand).resolves({});
  ddb.on(QueryCommand).resolves({ Items: [{ PK: 'RECORDING#rec_1', SK: 'RESTORE#viewer-1', userId: 'viewer-1' }] });
});

describe('restore-completed', () => {
  it('reads S3 notification and EventBridge shapes, decoding URL-encoded keys', () => {
    expect(restoredObjectsOf(fixture('s3-restore-completed.json'))).toEqual([
      {
        id: `your-bucket-name/${PREFIX}/media/hls/720p60/0.ts/0055AED6DCD90281E5`,
        bucket: 'your-bucket-name',
        key: `${PREFIX}/media/hls/720p60/0.ts`,
      },
    ]);
    expect(restoredObjectsOf(fixture('eventbridge-restore-completed.json'))[0]?.key).toBe(
      `${PREFIX}/media/hls/720p60/1.ts`,
    );
    const encoded = {
      Records: [{ eventName: 'ObjectRestore:Completed', s3: { bucket: { name: 'b' }, object: { key: 'a+b%2Fc.ts' } } }],
    };
    expect(restoredObjectsOf(encoded)[0]?.key).toBe('a b/c.ts');
    expect(
      restoredObjectsOf({
        Records: [{ eventName: 'ObjectCreated:Put', s3: { bucket: { name: 'b' }, object: { key: 'k' } } }],
      }),
    ).toEqual([]);
  });

  it('counts a restored object and waits while others are still restoring', async () => {
    ddb.on(UpdateCommand).resolves({
      Attributes: { recordingId: 'rec_1', restoreStatus: 'RESTORING', restoreObjectCount: 3, restoredCount: 1 },
    });
    expect(await processRestoredObject(object)).toEqual({ recordingId: 'rec_1', ready: false, notified: 0 });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(publish).not.toHaveBeenCalled();
  });

  it('the last object makes the replay playable and notifies each requester once', async () => {
    ddb
      .on(UpdateCommand)
      .resolvesOnce({
        Attributes: { recordingId: 'rec_1', restoreStatus: 'RESTORING', restoreObjectCount: 3, restoredCount: 3 },
      })
      .resolves({
        Attributes: {
          recordingId: 'rec_1',
          title: 'Vintage hour',
          restoreStatus: 'READY',
          restoredAt: '2026-01-01T05:00:00.000Z',
        },
      });
    expect(await processRestoredObject(object)).toEqual({ recordingId: 'rec_1', ready: true, notified: 1 });

    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, { ConditionExpression: 'restoreStatus = :restoring' });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({
        PK: 'USER#viewer-1',
        type: 'Notification',
        kind: 'REPLAY_READY',
        link: '/replay/rec_1',
        read: false,
        createdAt: '2026-01-01T05:00:00.000Z',
      }),
    });
    expect(publish).toHaveBeenCalledWith(expect.stringContaining('publishNotification'), {
      input: expect.objectContaining({ userId: 'viewer-1', kind: 'REPLAY_READY', link: '/replay/rec_1' }),
    });
    expect(ddb).toHaveReceivedCommandWith(DeleteCommand, { Key: { PK: 'RECORDING#rec_1', SK: 'RESTORE#viewer-1' } });
  });

  it('a failed live push still stores the notification and completes', async () => {
    publish.mockRejectedValueOnce(new Error('appsync down'));
    ddb.on(UpdateCommand).resolves({
      Attributes: { recordingId: 'rec_1', restoreStatus: 'READY', restoredAt: '2026-01-01T05:00:00.000Z' },
    });
    expect(await processRestoredObject(object)).toMatchObject({ ready: true, notified: 1 });
    expect(ddb).toHaveReceivedCommand(DeleteCommand);
  });

  it('ignores objects outside any indexed recording', async () => {
    expect(await processRestoredObject({ id: 'y', bucket: 'b', key: 'elsewhere/file.ts' })).toEqual({
      ready: false,
      notified: 0,
    });
    ddb.on(GetCommand).resolves({});
    expect(await processRestoredObject(object)).toEqual({ ready: false, notified: 0 });
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it('the handler processes each record once through the idempotency table', async () => {
    ddb.on(UpdateCommand).resolves({
      Attributes: { recordingId: 'rec_1', restoreStatus: 'RESTORING', restoreObjectCount: 5, restoredCount: 1 },
    });
    expect(await handler(fixture('s3-restore-completed.json'), context)).toEqual({ processed: 1 });
    expect(raw).toHaveReceivedCommandWith(PutItemCommand, { TableName: 'Idem' });
  });
});
