/**
 * The archived-replay path across the three functions with mocked AWS clients: HeadObject reports
 * the media archived → replay claims the restore and queues a page job (RESTORING) → the
 * recording-objects worker restores the page → S3 ObjectRestore:Completed events →
 * restore-completed marks it READY and notifies → replay answers READY with the playlist URL.
 * The Recording item's state between steps is carried by hand from what each step wrote.
 */
import { readFileSync } from 'node:fs';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { HeadObjectCommand, ListObjectsV2Command, RestoreObjectCommand, S3Client } from '@aws-sdk/client-s3';
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
import { describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.TABLE_NAME = 'Main';
  process.env.IDEMPOTENCY_TABLE_NAME = 'Idem';
  process.env.REPLAY_BASE_URL = 'https://d111111abcdef8.cloudfront.net';
  process.env.GRAPHQL_URL = 'https://example.appsync-api.us-east-1.amazonaws.com/graphql';
  process.env.JOBS_BUS_NAME = 'jobs';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});
const publish = vi.hoisted(() => vi.fn(async () => ({})));
vi.mock('../../../../lambdas/shared/appsync-publish', () => ({ publish }));

const replay = await import('../../../../lambdas/replay/handler');
const restoreCompleted = await import('../../../../lambdas/restore-completed/handler');
const worker = await import('../../../../lambdas/recording-objects/handler');

const ddb = mockClient(DynamoDBDocumentClient);
const raw = mockClient(DynamoDBClient);
const s3 = mockClient(S3Client);
const events = mockClient(EventBridgeClient);
const PREFIX = 'ivs/v1/123456789012/AbCdef1G2hij/2020/6/23/20/12/j8Z9O91ndcVs';
const KEYS = [`${PREFIX}/media/hls/720p60/0.ts`, `${PREFIX}/media/hls/720p60/1.ts`];
const context = {
  functionName: 'restore-completed',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 10_000,
} as unknown as Context;
const s3Event = JSON.parse(
  readFileSync(new URL('../../../fixtures/recordings/s3-restore-completed.json', import.meta.url), 'utf8'),
) as { Records: { s3: { object: { key: string; sequencer: string } } }[] };

describe('archived replay, end to end with mocks', () => {
  it('archived → restore started → restore-completed events → playable and notified', async () => {
    let recording: Record<string, unknown> = {
      PK: 'RECORDING#rec_1',
      SK: 'RECORDING',
      recordingId: 'rec_1',
      userId: 'streamer-1',
      title: 'Vintage hour',
      state: 'AVAILABLE',
      bucket: 'your-bucket-name',
      s3Prefix: PREFIX,
      startedAt: '2020-06-23T20:12:34.908Z',
      saleCount: 1,
      version: 3,
    };
    raw.on(PutItemCommand).resolves({});
    raw.on(UpdateItemCommand).resolves({});
    ddb.on(GetCommand, { Key: { PK: 'RECORDING#rec_1', SK: 'RECORDING' } }).callsFake(() => ({ Item: recording }));
    ddb
      .on(GetCommand, { Key: { PK: `S3PREFIX#${PREFIX}`, SK: 'RECORDING' } })
      .resolves({ Item: { recordingId: 'rec_1' } });
    ddb.on(QueryCommand, { IndexName: 'GSI2' }).resolves({ Items: [] });
    // The streamer's profile: no audience setting, so the replay is public (lambdas/shared/viewer.ts).
    ddb
      .on(GetCommand, { Key: { PK: 'USER#streamer-1', SK: 'PROFILE' } })
      .resolves({ Item: { PK: 'USER#streamer-1', SK: 'PROFILE', userId: 'streamer-1' } });
    ddb.on(PutCommand).resolves({});
    ddb.on(DeleteCommand).resolves({});
    s3.on(ListObjectsV2Command).resolves({ Contents: KEYS.map((Key) => ({ Key, Size: 2 * 1024 * 1024 })) });
    s3.on(RestoreObjectCommand).resolves({});
    // Step 1: the media is in Archive Access.
    s3.on(HeadObjectCommand).resolves({ StorageClass: 'INTELLIGENT_TIERING', ArchiveStatus: 'ARCHIVE_ACCESS' });
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'ev-1' }] });
    ddb
      .on(UpdateCommand)
      .callsFake((input: { UpdateExpression: string; ExpressionAttributeValues: Record<string, unknown> }) => {
        const v = input.ExpressionAttributeValues;
        if (input.UpdateExpression.startsWith('SET restoreStatus = :r')) {
          const { restoreObjectCount: _dropped, ...rest } = recording;
          recording = {
            ...rest,
            restoreStatus: 'RESTORING',
            restoreTier: v[':t'],
            restoreStartedAt: v[':now'],
            restoreJobId: v[':job'],
            restorePagesDone: 0,
            restoreRequestedCount: 0,
            restoredCount: 0,
          };
        }
        if (input.UpdateExpression.startsWith('SET restorePagesDone')) {
          const requested = Number(recording.restoreRequestedCount) + Number(v[':n']);
          recording = {
            ...recording,
            restorePagesDone: v[':next'],
            restoreRequestedCount: requested,
            ...(input.UpdateExpression.includes('restoreObjectCount') ? { restoreObjectCount: requested } : {}),
          };
        }
        if (input.UpdateExpression.startsWith('ADD restoredCount'))
          recording = { ...recording, restoredCount: Number(recording.restoredCount ?? 0) + 1 };
        if (input.UpdateExpression.startsWith('SET restoreStatus = :ready'))
          recording = { ...recording, restoreStatus: 'READY', restoredAt: v[':now'] };
        return { Attributes: recording };
      });

    const asked = await replay.handler({ arguments: { recordingId: 'rec_1' }, identity: { sub: 'viewer-1' } });
    expect(asked).toMatchObject({ data: { status: 'RESTORING', readyInSeconds: 18_000, playbackUrl: null } });
    expect(s3).not.toHaveReceivedCommand(RestoreObjectCommand);
    expect(recording).toMatchObject({ restoreStatus: 'RESTORING', restorePagesDone: 0 });
    expect(recording.restoreObjectCount).toBeUndefined();

    // Step 1b: the worker gets the page event EventBridge would deliver.
    const entry = events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    const page = await worker.handler(
      { 'detail-type': entry?.DetailType, source: entry?.Source, detail: JSON.parse(entry?.Detail ?? '{}') },
      context,
    );
    expect(page).toMatchObject({ status: 'DONE', objects: 2, restoring: 2, settled: false });
    expect(s3).toHaveReceivedCommandTimes(RestoreObjectCommand, 2);
    expect(recording).toMatchObject({ restoreStatus: 'RESTORING', restoreObjectCount: 2 });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, { Item: expect.objectContaining({ SK: 'RESTORE#viewer-1' }) });

    // Step 2: S3 reports each object restored.
    ddb
      .on(QueryCommand, { KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)' })
      .resolves({ Items: [{ PK: 'RECORDING#rec_1', SK: 'RESTORE#viewer-1', userId: 'viewer-1' }] });
    for (const [i, key] of KEYS.entries()) {
      const event = structuredClone(s3Event);
      (event.Records[0] as (typeof s3Event.Records)[number]).s3.object = {
        ...(event.Records[0] as (typeof s3Event.Records)[number]).s3.object,
        key,
        sequencer: `00${i}`,
      };
      await restoreCompleted.handler(event, context);
      if (i === 0) expect(publish).not.toHaveBeenCalled();
    }
    expect(recording.restoreStatus).toBe('READY');
    expect(publish).toHaveBeenCalledTimes(1);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ PK: 'USER#viewer-1', kind: 'REPLAY_READY' }),
    });

    // Step 3: the media is back in Frequent Access.
    s3.on(HeadObjectCommand).resolves({ StorageClass: 'INTELLIGENT_TIERING' });
    const after = await replay.handler({ arguments: { recordingId: 'rec_1' }, identity: { sub: 'viewer-1' } });
    expect(after).toMatchObject({
      data: { status: 'READY', playbackUrl: `https://d111111abcdef8.cloudfront.net/${PREFIX}/media/hls/master.m3u8` },
    });
  });
});
