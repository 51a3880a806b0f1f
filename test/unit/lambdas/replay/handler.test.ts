import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectTaggingCommand,
  RestoreObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it, vi } from 'vitest';

vi.hoisted(() => {
  process.env.TABLE_NAME = 'Main';
  process.env.REPLAY_BASE_URL = 'https://d111111abcdef8.cloudfront.net/';
  process.env.JOBS_BUS_NAME = 'lvs-test-jobs';
  process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
});

const { handler, getReplay } = await import('../../../../lambdas/replay/handler');
const { newSigningKeyPair, REPLAY_ACCESS_SLACK_SECONDS, verifySignedUrl, withSignedQuery } =
  await import('../../../../lambdas/shared/domain/signed-urls');

const ddb = mockClient(DynamoDBDocumentClient);
const s3 = mockClient(S3Client);
const events = mockClient(EventBridgeClient);
const secrets = mockClient(SecretsManagerClient);
const PREFIX = 'ivs/v1/123456789012/AbCdef1G2hij/2020/6/23/20/12/j8Z9O91ndcVs';
const recording = {
  PK: 'RECORDING#rec_1',
  SK: 'RECORDING',
  type: 'Recording',
  recordingId: 'rec_1',
  userId: 'streamer-1',
  state: 'AVAILABLE',
  bucket: 'recordings',
  s3Prefix: PREFIX,
  startedAt: '2020-06-23T20:12:34.908Z',
  saleCount: 2,
  keep: false,
};
const sales = [
  { saleId: 'sal_1', offsetMs: 60_000, GSI2SK: '000000000060000' },
  { saleId: 'sal_2', offsetMs: 900_000, GSI2SK: '000000000900000' },
];
const MB = 1024 * 1024;
const cognito = { sub: 'viewer-1', username: 'viewer-1', claims: { handle: 'bob' } };

/** The page events the handler put on the jobs bus, parsed. */
const jobsSent = () =>
  events.commandCalls(PutEventsCommand).flatMap((c) =>
    (c.args[0].input.Entries ?? []).map((e) => ({
      ...e,
      Detail: JSON.parse(e.Detail ?? '{}') as Record<string, unknown>,
    })),
  );

beforeEach(() => {
  ddb.reset();
  s3.reset();
  events.reset();
  events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: 'ev-1' }] });
  ddb.on(GetCommand).resolves({ Item: recording });
  ddb.on(QueryCommand).resolves({ Items: sales });
  ddb.on(UpdateCommand).resolves({});
  ddb.on(PutCommand).resolves({});
  s3.on(ListObjectsV2Command, { Prefix: `${PREFIX}/media/hls/` }).resolves({
    Contents: [
      { Key: `${PREFIX}/media/hls/master.m3u8`, Size: 900 },
      { Key: `${PREFIX}/media/hls/720p60/0.ts`, Size: 2 * MB },
    ],
  });
  s3.on(ListObjectsV2Command, { Prefix: `${PREFIX}/` }).resolves({
    Contents: [
      { Key: `${PREFIX}/events/recording-ended.json`, Size: 1200 },
      { Key: `${PREFIX}/media/hls/720p60/0.ts`, Size: 2 * MB },
      { Key: `${PREFIX}/media/hls/720p60/1.ts`, Size: 2 * MB },
    ],
  });
});

describe('replay handler', () => {
  it('READY: playback URL of the master playlist and sales in offset order', async () => {
    s3.on(HeadObjectCommand).resolves({ StorageClass: 'INTELLIGENT_TIERING' });
    const result = await handler({ arguments: { recordingId: 'rec_1' }, identity: cognito });
    expect(result).toEqual({
      data: expect.objectContaining({
        status: 'READY',
        playbackUrl: `https://d111111abcdef8.cloudfront.net/${PREFIX}/media/hls/master.m3u8`,
        sales,
        recording: expect.objectContaining({ recordingId: 'rec_1', saleCount: 2 }),
      }),
    });
    expect('data' in result && 'PK' in result.data.recording).toBe(false);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'GSI2',
      ScanIndexForward: true,
      ExpressionAttributeValues: { ':pk': 'RECORDING#rec_1#SALES' },
    });
    // The probe is a segment big enough to be tiered, not the tiny playlist.
    expect(s3).toHaveReceivedCommandWith(HeadObjectCommand, {
      Bucket: 'recordings',
      Key: `${PREFIX}/media/hls/720p60/0.ts`,
    });
    expect(s3).not.toHaveReceivedCommand(RestoreObjectCommand);
  });

  it('ARCHIVED: claims the restore, queues one page job for the worker and answers RESTORING without restoring anything itself', async () => {
    s3.on(HeadObjectCommand).resolves({ StorageClass: 'INTELLIGENT_TIERING', ArchiveStatus: 'ARCHIVE_ACCESS' });
    const now = new Date('2026-01-01T00:00:00.000Z');
    const view = await getReplay('rec_1', 'viewer-1', () => now);

    expect(view).toMatchObject({ status: 'RESTORING', playbackUrl: null, readyInSeconds: 18_000 });
    expect(view.message).toContain('about 5 hours');
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      Key: { PK: 'RECORDING#rec_1', SK: 'RECORDING' },
      ConditionExpression: 'attribute_not_exists(restoreStatus) OR restoreStatus <> :r OR restoreStartedAt < :stale',
      UpdateExpression: expect.stringContaining('REMOVE restoreObjectCount'),
      ExpressionAttributeValues: expect.objectContaining({
        ':r': 'RESTORING',
        ':t': 'ARCHIVE_ACCESS',
        ':now': now.toISOString(),
        ':zero': 0,
        ':job': expect.stringMatching(/^rst_/),
      }),
    });
    const claim = ddb.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues ?? {};
    // No S3 bulk call on the request path: the one page event carries the whole restore.
    expect(s3).not.toHaveReceivedCommand(RestoreObjectCommand);
    expect(s3).not.toHaveReceivedCommandWith(ListObjectsV2Command, { Prefix: `${PREFIX}/` });
    expect(jobsSent()).toEqual([
      {
        EventBusName: 'lvs-test-jobs',
        Source: 'live-shopping.recordings',
        DetailType: 'Recording Objects Page',
        Resources: [],
        Detail: {
          action: 'RESTORE',
          jobId: claim[':job'],
          recordingId: 'rec_1',
          bucket: 'recordings',
          prefix: PREFIX,
          tier: 'ARCHIVE_ACCESS',
          page: 0,
        },
      },
    ]);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ PK: 'RECORDING#rec_1', SK: 'RESTORE#viewer-1' }),
    });
  });

  it('deep archive estimates up to 12 hours', async () => {
    s3.on(HeadObjectCommand).resolves({ StorageClass: 'INTELLIGENT_TIERING', ArchiveStatus: 'DEEP_ARCHIVE_ACCESS' });
    const view = await getReplay('rec_1', undefined, () => new Date('2026-01-01T00:00:00.000Z'));
    expect(view.readyInSeconds).toBe(43_200);
    expect(jobsSent()[0]?.Detail).toMatchObject({ action: 'RESTORE', tier: 'DEEP_ARCHIVE_ACCESS' });
    // A guest gets the answer but cannot be notified in-app.
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('a restore already running: RESTORING without new S3 calls or jobs, estimate counts down', async () => {
    ddb.on(GetCommand).resolves({
      Item: {
        ...recording,
        restoreStatus: 'RESTORING',
        restoreTier: 'ARCHIVE_ACCESS',
        restoreStartedAt: '2026-01-01T00:00:00.000Z',
        restoreJobId: 'rst_x',
        restorePagesDone: 3,
      },
    });
    const view = await getReplay('rec_1', 'viewer-2', () => new Date('2026-01-01T01:00:00.000Z'));
    expect(view).toMatchObject({ status: 'RESTORING', readyInSeconds: 14_400 });
    // The worker's bookkeeping stays server-side.
    expect(view.recording).not.toHaveProperty('restoreJobId');
    expect(view.recording).not.toHaveProperty('restorePagesDone');
    expect(s3).not.toHaveReceivedCommand(HeadObjectCommand);
    expect(events).not.toHaveReceivedCommand(PutEventsCommand);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, { Item: expect.objectContaining({ SK: 'RESTORE#viewer-2' }) });
  });

  it('a concurrent request that lost the claim answers RESTORING without queueing a second job', async () => {
    s3.on(HeadObjectCommand).resolves({ ArchiveStatus: 'ARCHIVE_ACCESS' });
    ddb.on(UpdateCommand).rejects(new ConditionalCheckFailedException({ message: 'claimed', $metadata: {} }));
    const view = await getReplay('rec_1', 'viewer-3');
    expect(view.status).toBe('RESTORING');
    expect(events).not.toHaveReceivedCommand(PutEventsCommand);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, { Item: expect.objectContaining({ SK: 'RESTORE#viewer-3' }) });
  });

  it('a job EventBridge does not accept releases the claim (only its own) so the next request can restore', async () => {
    s3.on(HeadObjectCommand).resolves({ ArchiveStatus: 'ARCHIVE_ACCESS' });
    events.on(PutEventsCommand).resolves({
      FailedEntryCount: 1,
      Entries: [{ ErrorCode: 'ThrottlingException', ErrorMessage: 'Rate exceeded' }],
    });
    const result = await handler({ arguments: { recordingId: 'rec_1' }, identity: cognito });
    expect(result).toMatchObject({ error: { type: 'INTERNAL' } });
    const claim = ddb.commandCalls(UpdateCommand)[0]?.args[0].input.ExpressionAttributeValues ?? {};
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      UpdateExpression: expect.stringContaining('REMOVE restoreStatus'),
      ConditionExpression: 'restoreJobId = :job',
      ExpressionAttributeValues: expect.objectContaining({ ':job': claim[':job'] }),
    });
  });

  it('a restore past its estimate whose media is back is settled READY even if completion events were lost', async () => {
    ddb.on(GetCommand).resolves({
      Item: {
        ...recording,
        restoreStatus: 'RESTORING',
        restoreTier: 'ARCHIVE_ACCESS',
        restoreStartedAt: '2026-01-01T00:00:00.000Z',
      },
    });
    s3.on(HeadObjectCommand).resolves({ StorageClass: 'INTELLIGENT_TIERING' });
    const view = await getReplay('rec_1', 'viewer-1', () => new Date('2026-01-01T06:00:00.000Z'));
    expect(view.status).toBe('READY');
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ConditionExpression: 'restoreStatus = :restoring',
      ExpressionAttributeValues: expect.objectContaining({ ':ready': 'READY' }),
    });
  });

  it('a stale claim whose objects are still archived is claimed again with a new job', async () => {
    ddb.on(GetCommand).resolves({
      Item: {
        ...recording,
        restoreStatus: 'RESTORING',
        restoreTier: 'ARCHIVE_ACCESS',
        restoreStartedAt: '2026-01-01T00:00:00.000Z',
        restoreJobId: 'rst_old',
      },
    });
    s3.on(HeadObjectCommand).resolves({ ArchiveStatus: 'ARCHIVE_ACCESS' });
    const view = await getReplay('rec_1', 'viewer-1', () => new Date('2026-01-01T06:00:00.000Z'));
    expect(view).toMatchObject({ status: 'RESTORING', readyInSeconds: 18_000 });
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, {
      ExpressionAttributeValues: expect.objectContaining({ ':stale': '2026-01-01T01:00:00.000Z' }),
    });
    expect(jobsSent()).toHaveLength(1);
    expect(jobsSent()[0]?.Detail.jobId).not.toBe('rst_old');
    expect(s3).not.toHaveReceivedCommand(PutObjectTaggingCommand);
  });

  it('a recording still live or failed is UNAVAILABLE; an unknown one is NOT_FOUND; bad input is VALIDATION', async () => {
    ddb.on(GetCommand).resolves({ Item: { ...recording, state: 'RECORDING' } });
    expect(await handler({ arguments: { recordingId: 'rec_1' } })).toMatchObject({ data: { status: 'UNAVAILABLE' } });
    ddb.on(GetCommand).resolves({ Item: { ...recording, state: 'FAILED' } });
    expect(await handler({ arguments: { recordingId: 'rec_1' } })).toMatchObject({ data: { status: 'UNAVAILABLE' } });
    ddb.on(GetCommand).resolves({});
    expect(await handler({ arguments: { recordingId: 'rec_x' } })).toMatchObject({ error: { type: 'NOT_FOUND' } });
    expect(await handler({ arguments: {} })).toMatchObject({ error: { type: 'VALIDATION' } });
  });

  it('signs the URL for the whole recording (playlists and segments) until the show and its slack have passed', async () => {
    const key = newSigningKeyPair();
    secrets.reset();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(key) });
    process.env.REPLAY_KEY_SECRET = 'lvs-test-replay-key';
    process.env.REPLAY_KEY_PAIR_ID = 'K2TESTKEY';
    try {
      ddb.on(GetCommand).resolves({ Item: { ...recording, durationMs: 3_600_000 } });
      s3.on(HeadObjectCommand).resolves({ StorageClass: 'INTELLIGENT_TIERING' });
      const now = new Date('2026-12-03T06:00:00.000Z');
      const view = await getReplay('rec_1', 'viewer-1', () => now);
      const url = view.playbackUrl as string;
      expect(url.startsWith(`https://d111111abcdef8.cloudfront.net/${PREFIX}/media/hls/master.m3u8?Policy=`)).toBe(
        true,
      );
      const trusted = new Map([['K2TESTKEY', key.publicKeyPem]]);
      const query = new URL(url).search.slice(1);
      const segment = withSignedQuery(`https://d111111abcdef8.cloudfront.net/${PREFIX}/media/hls/720p60/0.ts`, query);
      expect(verifySignedUrl(url, trusted, now.getTime())).toEqual({ ok: true });
      expect(verifySignedUrl(segment, trusted, now.getTime())).toEqual({ ok: true });
      const other = segment.replace('j8Z9O91ndcVs', 'someoneElse1');
      expect(verifySignedUrl(other, trusted, now.getTime())).toEqual({ ok: false, reason: 'WRONG_RESOURCE' });
      const end = now.getTime() + (3600 + REPLAY_ACCESS_SLACK_SECONDS) * 1000;
      expect(verifySignedUrl(segment, trusted, end - 1000)).toEqual({ ok: true });
      expect(verifySignedUrl(segment, trusted, end)).toEqual({ ok: false, reason: 'EXPIRED' });
    } finally {
      delete process.env.REPLAY_KEY_PAIR_ID;
      delete process.env.REPLAY_KEY_SECRET;
    }
  });

  it("a viewer the channel's audience refuses learns whose show and why, with no URL, no sales and no storage details", async () => {
    const view = await getReplay('rec_1', 'viewer-1', undefined, async () => ({
      refusal: 'FOLLOW_REQUIRED',
      ageRestricted: true,
    }));
    expect(view).toMatchObject({ status: 'FOLLOW_REQUIRED', playbackUrl: null, sales: [], ageRestricted: true });
    expect(view.message).toContain('follow');
    expect(Object.keys(view.recording).sort()).toEqual(
      [
        'durationMs',
        'endedAt',
        'handle',
        'keep',
        'recordingId',
        'saleCount',
        'startedAt',
        'state',
        'title',
        'userId',
      ].sort(),
    );
    expect(view.recording.saleCount).toBe(0);
    expect(s3.calls()).toHaveLength(0);
    expect(ddb).not.toHaveReceivedCommand(QueryCommand);
    const privateView = await getReplay('rec_1', undefined, undefined, async () => ({
      refusal: 'PRIVATE',
      ageRestricted: false,
    }));
    expect(privateView).toMatchObject({ status: 'PRIVATE', playbackUrl: null });
  });
});
