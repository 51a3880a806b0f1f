import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, PutObjectTaggingCommand, RestoreObjectCommand, S3Client } from '@aws-sdk/client-s3';
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
  process.env.JOBS_BUS_NAME = 'lvs-test-jobs';
  process.env.GRAPHQL_URL = 'https://example.appsync-api.us-east-1.amazonaws.com/graphql';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});
const publish = vi.hoisted(() => vi.fn(async () => ({})));
vi.mock('../../../../lambdas/shared/appsync-publish', () => ({ publish }));

const { handler, processPage, PAGE_SIZE, InvalidJobError } =
  await import('../../../../lambdas/recording-objects/handler');
type Job = Parameters<typeof processPage>[0];

const ddb = mockClient(DynamoDBDocumentClient);
const raw = mockClient(DynamoDBClient);
const s3 = mockClient(S3Client);
const events = mockClient(EventBridgeClient);
const PREFIX = 'ivs/v1/123456789012/AbCdef1G2hij/2020/6/23/20/12/j8Z9O91ndcVs';
const MB = 1024 * 1024;
const context = {
  functionName: 'recording-objects',
  awsRequestId: 'req-1',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
const restoring = {
  PK: 'RECORDING#rec_1',
  SK: 'RECORDING',
  recordingId: 'rec_1',
  title: 'Vintage hour',
  state: 'AVAILABLE',
  classification: 'NO_SALES',
  restoreStatus: 'RESTORING',
  restoreJobId: 'rst_1',
  restorePagesDone: 0,
  restoreRequestedCount: 0,
  restoredCount: 0,
};
const restoreJob: Job = {
  action: 'RESTORE',
  jobId: 'rst_1',
  recordingId: 'rec_1',
  bucket: 'recordings',
  prefix: PREFIX,
  tier: 'ARCHIVE_ACCESS',
  page: 0,
};
const tagJob: Job = {
  action: 'TAG',
  jobId: 'tag_1',
  recordingId: 'rec_1',
  bucket: 'recordings',
  prefix: PREFIX,
  classification: 'NO_SALES',
  page: 0,
};

const sentPages = () =>
  events
    .commandCalls(PutEventsCommand)
    .flatMap((c) =>
      (c.args[0].input.Entries ?? []).map((e) => JSON.parse(e.Detail ?? '{}') as Record<string, unknown>),
    );
const page = (keys: { Key: string; Size: number }[], next?: string) => ({
  Contents: keys,
  IsTruncated: next !== undefined,
  NextContinuationToken: next,
});

beforeEach(() => {
  ddb.reset();
  raw.reset();
  s3.reset();
  events.reset();
  publish.mockClear();
  raw.on(PutItemCommand).resolves({});
  raw.on(UpdateItemCommand).resolves({});
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'ev-1' }] });
  ddb.on(GetCommand).resolves({ Item: restoring });
  ddb.on(PutCommand).resolves({});
  ddb.on(DeleteCommand).resolves({});
  ddb.on(QueryCommand).resolves({ Items: [{ PK: 'RECORDING#rec_1', SK: 'RESTORE#viewer-1', userId: 'viewer-1' }] });
  s3.on(RestoreObjectCommand).resolves({});
  s3.on(PutObjectTaggingCommand).resolves({});
});

describe('recording-objects: RESTORE', () => {
  it('one page: restores its archived objects, counts them once, and sends the next page with the continuation token', async () => {
    s3.on(ListObjectsV2Command).resolves(
      page(
        [
          { Key: `${PREFIX}/events/recording-ended.json`, Size: 1200 },
          { Key: `${PREFIX}/media/hls/720p60/0.ts`, Size: 2 * MB },
          { Key: `${PREFIX}/media/hls/720p60/1.ts`, Size: 2 * MB },
        ],
        'token-2',
      ),
    );
    ddb.on(UpdateCommand).resolves({ Attributes: { ...restoring, restorePagesDone: 1, restoreRequestedCount: 2 } });

    const result = await processPage(restoreJob);

    expect(result).toEqual({ status: 'DONE', objects: 3, restoring: 2, nextPage: 1 });
    expect(s3).toHaveReceivedCommandWith(ListObjectsV2Command, {
      Bucket: 'recordings',
      Prefix: `${PREFIX}/`,
      MaxKeys: PAGE_SIZE,
    });
    // The small metadata file is never archived by Intelligent-Tiering.
    expect(s3).toHaveReceivedCommandTimes(RestoreObjectCommand, 2);
    expect(s3).toHaveReceivedCommandWith(RestoreObjectCommand, {
      Bucket: 'recordings',
      Key: `${PREFIX}/media/hls/720p60/1.ts`,
      RestoreRequest: { GlacierJobParameters: { Tier: 'Standard' } },
    });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { PK: 'RECORDING#rec_1', SK: 'RECORDING' },
      ConditionExpression: 'restoreJobId = :job AND restorePagesDone = :page',
      UpdateExpression: expect.not.stringContaining('restoreObjectCount'),
      ExpressionAttributeValues: expect.objectContaining({ ':job': 'rst_1', ':page': 0, ':next': 1, ':n': 2 }),
    });
    expect(sentPages()).toEqual([{ ...restoreJob, page: 1, token: 'token-2' }]);
    expect(events).toHaveReceivedCommandWith(PutEventsCommand, {
      Entries: [
        expect.objectContaining({
          EventBusName: 'lvs-test-jobs',
          Source: 'live-shopping.recordings',
          DetailType: 'Recording Objects Page',
        }),
      ],
    });
  });

  it('a rerun of a counted page (at-least-once delivery) does not count it again and still sends the next page', async () => {
    s3.on(ListObjectsV2Command).resolves(page([{ Key: `${PREFIX}/media/hls/720p60/0.ts`, Size: 2 * MB }], 'token-2'));
    s3.on(RestoreObjectCommand).rejects(Object.assign(new Error('in progress'), { name: 'RestoreAlreadyInProgress' }));
    ddb.on(GetCommand).resolves({ Item: { ...restoring, restorePagesDone: 1, restoreRequestedCount: 1 } });
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'counted', $metadata: {} }));

    expect(await processPage(restoreJob)).toMatchObject({ status: 'DONE', restoring: 1, nextPage: 1 });
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 1);
    expect(sentPages()).toEqual([{ ...restoreJob, page: 1, token: 'token-2' }]);
  });

  it('the last page writes the total; restore-completed settles later when completions are still to come', async () => {
    s3.on(ListObjectsV2Command).resolves(page([{ Key: `${PREFIX}/media/hls/720p60/2000.ts`, Size: 2 * MB }]));
    ddb.on(UpdateCommand).resolves({
      Attributes: {
        ...restoring,
        restorePagesDone: 3,
        restoreRequestedCount: 2001,
        restoreObjectCount: 2001,
        restoredCount: 5,
      },
    });

    const result = await processPage({ ...restoreJob, page: 2, token: 'token-3' });

    expect(result).toEqual({ status: 'DONE', objects: 1, restoring: 1, settled: false });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      UpdateExpression: expect.stringContaining('restoreObjectCount = restoreRequestedCount + :n'),
      ExpressionAttributeValues: expect.objectContaining({ ':page': 2, ':next': 3, ':n': 1 }),
    });
    expect(events).not.toHaveReceivedCommand(PutEventsCommand);
    expect(publish).not.toHaveBeenCalled();
  });

  it('the last page settles the replay itself when every completion arrived while it was listing', async () => {
    s3.on(ListObjectsV2Command).resolves(page([{ Key: `${PREFIX}/media/hls/720p60/0.ts`, Size: 2 * MB }]));
    ddb.on(UpdateCommand, { ConditionExpression: 'restoreJobId = :job AND restorePagesDone = :page' }).resolves({
      Attributes: {
        ...restoring,
        restorePagesDone: 1,
        restoreRequestedCount: 1,
        restoreObjectCount: 1,
        restoredCount: 1,
      },
    });
    ddb
      .on(UpdateCommand, { ConditionExpression: 'restoreStatus = :restoring' })
      .resolves({ Attributes: { ...restoring, restoreStatus: 'READY', restoredAt: '2026-01-01T05:00:00.000Z' } });

    expect(await processPage(restoreJob)).toMatchObject({ status: 'DONE', settled: true });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ExpressionAttributeValues: expect.objectContaining({ ':ready': 'READY' }),
    });
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ PK: 'USER#viewer-1', kind: 'REPLAY_READY', link: '/replay/rec_1' }),
    });
    expect(publish).toHaveBeenCalledTimes(1);
  });

  it('nothing archived after all (S3: InvalidObjectState): a total of 0, READY at once', async () => {
    s3.on(ListObjectsV2Command).resolves(page([{ Key: `${PREFIX}/media/hls/720p60/0.ts`, Size: 2 * MB }]));
    s3.on(RestoreObjectCommand).rejects(Object.assign(new Error('not archived'), { name: 'InvalidObjectState' }));
    ddb
      .on(UpdateCommand, { ConditionExpression: 'restoreJobId = :job AND restorePagesDone = :page' })
      .resolves({ Attributes: { ...restoring, restorePagesDone: 1, restoreObjectCount: 0, restoredCount: 0 } });
    ddb
      .on(UpdateCommand, { ConditionExpression: 'restoreStatus = :restoring' })
      .resolves({ Attributes: { ...restoring, restoreStatus: 'READY' } });

    expect(await processPage(restoreJob)).toMatchObject({ restoring: 0, settled: true });
  });

  it('a page of a superseded restore (another job claimed it, or it was settled) touches nothing', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...restoring, restoreJobId: 'rst_2' } });
    expect(await processPage(restoreJob)).toEqual({ status: 'STALE', objects: 0 });
    ddb.on(GetCommand).resolves({ Item: { ...restoring, restoreStatus: 'READY' } });
    expect(await processPage(restoreJob)).toEqual({ status: 'STALE', objects: 0 });
    expect(s3).not.toHaveReceivedAnyCommand();
    expect(events).not.toHaveReceivedCommand(PutEventsCommand);
  });

  it('an S3 error fails the page (Lambda retries it, then the failure queue) without counting or continuing', async () => {
    s3.on(ListObjectsV2Command).resolves(page([{ Key: `${PREFIX}/media/hls/720p60/0.ts`, Size: 2 * MB }], 'token-2'));
    s3.on(RestoreObjectCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDenied' }));
    await expect(processPage(restoreJob)).rejects.toThrow('denied');
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    expect(events).not.toHaveReceivedCommand(PutEventsCommand);
  });
});

describe('recording-objects: TAG', () => {
  it('tags every object of the page with the classification and sends the next page', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => ({ Key: `${PREFIX}/media/hls/720p60/${i}.ts`, Size: 2 * MB }));
    s3.on(ListObjectsV2Command).resolves(page(keys, 'token-2'));
    expect(await processPage(tagJob)).toEqual({ status: 'DONE', objects: 40, nextPage: 1 });
    expect(s3).toHaveReceivedCommandTimes(PutObjectTaggingCommand, 40);
    expect(s3).toHaveReceivedCommandWith(PutObjectTaggingCommand, {
      Bucket: 'recordings',
      Key: `${PREFIX}/media/hls/720p60/39.ts`,
      Tagging: { TagSet: [{ Key: 'classification', Value: 'NO_SALES' }] },
    });
    expect(sentPages()).toEqual([{ ...tagJob, page: 1, token: 'token-2' }]);
    expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
  });

  it("stops when the recording's classification changed since the job was queued (the newer job tags)", async () => {
    ddb.on(GetCommand).resolves({ Item: { ...restoring, classification: 'HAS_SALES' } });
    expect(await processPage(tagJob)).toEqual({ status: 'STALE', objects: 0 });
    expect(s3).not.toHaveReceivedAnyCommand();
  });
});

describe('recording-objects handler', () => {
  it('runs the page in the EventBridge event once per page (idempotency record keyed on the page)', async () => {
    s3.on(ListObjectsV2Command).resolves(page([{ Key: `${PREFIX}/media/hls/720p60/0.ts`, Size: 2 * MB }]));
    const result = await handler(
      { 'detail-type': 'Recording Objects Page', source: 'live-shopping.recordings', detail: tagJob },
      context,
    );
    expect(result).toEqual({ status: 'DONE', objects: 1 });
    expect(raw).toHaveReceivedCommandWith(PutItemCommand, {
      TableName: 'Idem',
      Item: expect.objectContaining({ status: { S: 'INPROGRESS' } }),
    });
    expect(raw).toHaveReceivedCommandWith(UpdateItemCommand, {
      TableName: 'Idem',
      ExpressionAttributeValues: expect.objectContaining({ ':status': { S: 'COMPLETED' } }),
    });
  });

  it('refuses a malformed page event (it ends in the failure queue rather than vanishing)', async () => {
    await expect(handler({ detail: { ...tagJob, page: -1 } }, context)).rejects.toBeInstanceOf(InvalidJobError);
    await expect(handler({ detail: { ...tagJob, action: 'DELETE' } }, context)).rejects.toBeInstanceOf(InvalidJobError);
    expect(s3).not.toHaveReceivedAnyCommand();
  });
});
