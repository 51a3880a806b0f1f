/**
 * The archived-replay path end to end on DynamoDB Local + local S3 + the local event bus, through
 * the real handlers and SDK clients (endpoints from AWS_ENDPOINT_URL_*): recording indexed from IVS
 * events and metadata files → READY → objects archived → replay claims a restore (RESTORING) and
 * queues a job → the recording-objects worker restores page by page → S3 restore-completed events →
 * playable again and the requester notified. Also the classification tags on the objects (queued by
 * sale-markers, applied by the worker), and a recording of more objects than one page.
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetObjectTaggingCommand, HeadObjectCommand, PutObjectTaggingCommand, S3Client } from '@aws-sdk/client-s3';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startLocalEvents, type LocalEvents } from '../../../local/events/bus';
import { startLocalS3, type LocalS3, type S3RestoreCompletedEvent } from '../../../local/s3/index';
import { useDynamoDbLocal } from '../../support/dynamo';

const publish = vi.hoisted(() => vi.fn(async () => ({})));
vi.mock('../../../lambdas/shared/appsync-publish', () => ({ publish }));

const db = useDynamoDbLocal();
const BUCKET = 'your-bucket-name';
const PREFIX = 'ivs/v1/123456789012/AbCdef1G2hij/2020/6/23/20/12/j8Z9O91ndcVs';
const CHANNEL_ARN = 'arn:aws:ivs:us-west-2:123456789012:channel/AbCdef1G2hij';
const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/recordings/${name}`, import.meta.url), 'utf8');
const context = {
  functionName: 'test',
  awsRequestId: 'req',
  getRemainingTimeInMillis: () => 30_000,
} as unknown as Context;

let dataDir: string;
let s3local: LocalS3;
let bus: LocalEvents;
const busLog: string[] = [];
let s3: S3Client;
const restoreEvents: S3RestoreCompletedEvent[] = [];
type Handlers = {
  recordingState: typeof import('../../../lambdas/recording-state/handler');
  replay: typeof import('../../../lambdas/replay/handler');
  restoreCompleted: typeof import('../../../lambdas/restore-completed/handler');
  saleMarkers: typeof import('../../../lambdas/sale-markers/handler');
  recordingObjects: typeof import('../../../lambdas/recording-objects/handler');
};
let h: Handlers;
let recordingId: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'recordings-it-'));
  s3local = await startLocalS3({
    dataDir,
    port: 0,
    restoreDelayMs: 50,
    buckets: [BUCKET],
    onRestoreCompleted: (e) => void restoreEvents.push(e),
  });
  // The catalog's rules on the local bus; only job events are put in this file, and they reach the worker.
  bus = await startLocalEvents({
    port: 0,
    scheduleEveryMs: 0,
    log: (line) => busLog.push(line),
    invoke: async (name, event) => {
      if (name !== 'recording-objects') throw new Error(`unexpected delivery to ${name}`);
      return h.recordingObjects.handler(event, { ...context, functionName: name });
    },
  });
  // The handlers' clients must sign like the test client: DynamoDB Local may keep one database per key and region.
  const credentials = await db.client.config.credentials();
  Object.assign(process.env, {
    TABLE_NAME: db.tableName,
    IDEMPOTENCY_TABLE_NAME: db.idempotencyTableName,
    REPLAY_BASE_URL: `${s3local.url}/${BUCKET}`,
    GRAPHQL_URL: 'http://127.0.0.1:9/graphql',
    AWS_ENDPOINT_URL_S3: s3local.url,
    AWS_ENDPOINT_URL_EVENTBRIDGE: bus.url,
    JOBS_BUS_NAME: 'test-jobs',
    AWS_ENDPOINT_URL_DYNAMODB: db.endpoint,
    AWS_REGION: await db.client.config.region(),
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
  });
  s3 = new S3Client({});

  // What IVS (or the local IVS) leaves in the bucket for one recording.
  const root = join(dataDir, BUCKET, PREFIX);
  await mkdir(join(root, 'events'), { recursive: true });
  await mkdir(join(root, 'media/hls/720p60'), { recursive: true });
  await mkdir(join(root, 'media/thumbnails/720p60'), { recursive: true });
  await writeFile(join(root, 'events/recording-started.json'), fixture('recording-started.json'));
  await writeFile(join(root, 'events/recording-ended.json'), fixture('recording-ended.json'));
  await writeFile(
    join(root, 'media/hls/master.m3u8'),
    '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=3000000\n720p60/playlist.m3u8\n',
  );
  await writeFile(
    join(root, 'media/hls/720p60/playlist.m3u8'),
    '#EXTM3U\n#EXTINF:2.0,\n0.ts\n#EXTINF:2.0,\n1.ts\n#EXT-X-ENDLIST\n',
  );
  await writeFile(join(root, 'media/hls/720p60/0.ts'), Buffer.alloc(300 * 1024, 1));
  await writeFile(join(root, 'media/hls/720p60/1.ts'), Buffer.alloc(300 * 1024, 2));
  await writeFile(join(root, 'media/thumbnails/720p60/thumb0.jpg'), Buffer.alloc(2048, 3));

  await db.doc.send(
    new PutCommand({
      TableName: db.tableName,
      Item: {
        PK: 'USER#streamer-1',
        SK: 'PROFILE',
        type: 'Profile',
        userId: 'streamer-1',
        handle: 'alice',
        title: 'Vintage hour',
        channelArn: CHANNEL_ARN,
        GSI2PK: `CHANNEL_ARN#${CHANNEL_ARN}`,
        GSI2SK: 'PROFILE',
      },
    }),
  );

  h = {
    recordingState: await import('../../../lambdas/recording-state/handler'),
    replay: await import('../../../lambdas/replay/handler'),
    restoreCompleted: await import('../../../lambdas/restore-completed/handler'),
    saleMarkers: await import('../../../lambdas/sale-markers/handler'),
    recordingObjects: await import('../../../lambdas/recording-objects/handler'),
  };
  recordingId = (await import('../../../lambdas/shared/domain/recordings')).recordingIdFromSession(
    'e7f3c9a0-1234-4567-89ab-0c1d2e3f4a5b',
  );
});

afterAll(async () => {
  s3?.destroy();
  await bus?.stop();
  await s3local?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const recordingItem = async () =>
  (
    await db.doc.send(
      new GetCommand({
        TableName: db.tableName,
        Key: { PK: `RECORDING#${recordingId}`, SK: 'RECORDING' },
        ConsistentRead: true,
      }),
    )
  ).Item ?? {};

describe('recordings on DynamoDB Local + local S3', () => {
  it('indexes the recording from End-before-Start events and the metadata files', async () => {
    await h.recordingState.handler(JSON.parse(fixture('recording-end.json')), context);
    await h.recordingState.handler(JSON.parse(fixture('recording-start.json')), context);
    // A duplicate delivery is answered from the idempotency record.
    await h.recordingState.handler(JSON.parse(fixture('recording-end.json')), context);

    expect(await recordingItem()).toMatchObject({
      state: 'AVAILABLE',
      userId: 'streamer-1',
      startedAt: '2020-06-23T20:12:34.908Z',
      endedAt: '2020-06-23T21:12:38.134Z',
      durationMs: 3603226,
      classification: 'NO_SALES',
      thumbnailUrl: `${s3local.url}/${BUCKET}/${PREFIX}/media/thumbnails/720p60/thumb0.jpg`,
    });
    const profile = (
      await db.doc.send(new GetCommand({ TableName: db.tableName, Key: { PK: 'USER#streamer-1', SK: 'PROFILE' } }))
    ).Item;
    expect(profile?.currentRecordingId).toBeUndefined();
    const recent = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        IndexName: 'GSI2',
        KeyConditionExpression: 'GSI2PK = :p',
        ExpressionAttributeValues: { ':p': 'RECORDINGS' },
      }),
    );
    expect(recent.Items?.map((i: Record<string, unknown>) => i.recordingId)).toEqual([recordingId]);
  });

  it('tags every object of the finished recording with its classification', async () => {
    const item = await recordingItem();
    const event: DynamoDBStreamEvent = {
      Records: [
        {
          eventID: '1',
          eventName: 'MODIFY',
          dynamodb: { SequenceNumber: '1', NewImage: marshall(item, { convertClassInstanceToMap: true }) as never },
        },
      ],
    };
    expect((await h.saleMarkers.handler(event)).batchItemFailures).toEqual([]);
    await bus.settled();
    expect(busLog).toEqual([]);
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: `${PREFIX}/media/hls/720p60/1.ts` }));
    expect(tags.TagSet).toEqual([{ Key: 'classification', Value: 'NO_SALES' }]);
  });

  it('a redelivered page event runs once (idempotency record on DynamoDB Local)', async () => {
    const key = `${PREFIX}/media/hls/720p60/1.ts`;
    const page = {
      'detail-type': 'Recording Objects Page',
      source: 'live-shopping.recordings',
      detail: {
        action: 'TAG',
        jobId: 'tag_redelivered',
        recordingId,
        bucket: BUCKET,
        prefix: PREFIX,
        classification: 'NO_SALES',
        page: 0,
      },
    };
    expect(await h.recordingObjects.handler(page, context)).toMatchObject({ status: 'DONE', objects: 7 });
    // A marker the first run would overwrite if the page ran again.
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: BUCKET,
        Key: key,
        Tagging: { TagSet: [{ Key: 'classification', Value: 'MARKER' }] },
      }),
    );
    expect(await h.recordingObjects.handler(structuredClone(page), context)).toMatchObject({
      status: 'DONE',
      objects: 7,
    });
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key: key }));
    expect(tags.TagSet).toEqual([{ Key: 'classification', Value: 'MARKER' }]);
    await s3.send(
      new PutObjectTaggingCommand({
        Bucket: BUCKET,
        Key: key,
        Tagging: { TagSet: [{ Key: 'classification', Value: 'NO_SALES' }] },
      }),
    );
  });

  it('READY while in Frequent Access, with sales in offset order', async () => {
    for (const [saleId, offset] of [
      ['sal_b', 900_000],
      ['sal_a', 60_000],
    ] as const) {
      await db.doc.send(
        new PutCommand({
          TableName: db.tableName,
          Item: {
            PK: `SALE#${saleId}`,
            SK: 'SALE',
            type: 'Sale',
            saleId,
            recordingId,
            offsetMs: offset,
            GSI2PK: `RECORDING#${recordingId}#SALES`,
            GSI2SK: String(offset).padStart(15, '0'),
          },
        }),
      );
    }
    const view = await h.replay.getReplay(recordingId, 'viewer-1');
    expect(view.status).toBe('READY');
    expect(view.sales.map((s) => s.saleId)).toEqual(['sal_a', 'sal_b']);
    const playlist = await fetch(String(view.playbackUrl));
    expect(await playlist.text()).toContain('#EXTM3U');
  });

  it('archived → RESTORING (restore started) → restore-completed events → playable and the requester notified', async () => {
    await s3local.markArchived(BUCKET, `${PREFIX}/`, 'DEEP_ARCHIVE_ACCESS');

    const asked = await h.replay.handler({ arguments: { recordingId }, identity: { sub: 'viewer-1' } });
    expect(asked).toMatchObject({ data: { status: 'RESTORING', playbackUrl: null } });
    const seconds = 'data' in asked ? Number(asked.data.readyInSeconds) : 0;
    expect(seconds).toBeGreaterThan(11 * 3600);
    expect(seconds).toBeLessThanOrEqual(12 * 3600);
    // The worker restores off the request path; its one page writes the total.
    await bus.settled();
    expect(busLog).toEqual([]);
    expect(await recordingItem()).toMatchObject({
      restoreStatus: 'RESTORING',
      restoreObjectCount: 2,
      restorePagesDone: 1,
      restoreTier: 'DEEP_ARCHIVE_ACCESS',
    });
    // A second viewer joins the wait; no second round of restores.
    expect(await h.replay.getReplay(recordingId, 'viewer-2')).toMatchObject({ status: 'RESTORING' });
    await bus.settled();

    await s3local.settled();
    expect(restoreEvents).toHaveLength(2);
    const head = await s3.send(new HeadObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/media/hls/720p60/0.ts` }));
    expect(head.ArchiveStatus).toBeUndefined();

    for (const event of restoreEvents) await h.restoreCompleted.handler(event, context);
    // Redelivery of an event changes nothing.
    await h.restoreCompleted.handler(restoreEvents[0], context);

    expect(await recordingItem()).toMatchObject({ restoreStatus: 'READY', restoredCount: 2 });
    for (const userId of ['viewer-1', 'viewer-2']) {
      const notes = await db.doc.send(
        new QueryCommand({
          TableName: db.tableName,
          KeyConditionExpression: 'PK = :p AND begins_with(SK, :n)',
          ExpressionAttributeValues: { ':p': `USER#${userId}`, ':n': 'NOTIF#' },
        }),
      );
      expect(notes.Items).toHaveLength(1);
      expect(notes.Items?.[0]).toMatchObject({ kind: 'REPLAY_READY', link: `/replay/${recordingId}`, read: false });
    }
    expect(publish).toHaveBeenCalledTimes(2);
    const pending = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'PK = :p AND begins_with(SK, :r)',
        ExpressionAttributeValues: { ':p': `RECORDING#${recordingId}`, ':r': 'RESTORE#' },
      }),
    );
    expect(pending.Items).toEqual([]);

    const after = await h.replay.getReplay(recordingId, 'viewer-1');
    expect(after).toMatchObject({
      status: 'READY',
      playbackUrl: `${s3local.url}/${BUCKET}/${PREFIX}/media/hls/master.m3u8`,
    });
    const segment = await fetch(`${s3local.url}/${BUCKET}/${PREFIX}/media/hls/720p60/0.ts`);
    expect(segment.status).toBe(200);
  });
});

describe('a recording of more objects than one ListObjectsV2 page', () => {
  const BIG_PREFIX = 'ivs/v1/123456789012/AbCdef1G2hij/2020/6/24/20/12/BigShow00001';
  const BIG_ID = 'rec_BIGSHOW000000000001';
  const SEGMENTS = 1050;
  const segmentKey = (i: number) => `${BIG_PREFIX}/media/hls/720p60/${String(i).padStart(5, '0')}.ts`;
  const bigItem = async () =>
    (
      await db.doc.send(
        new GetCommand({
          TableName: db.tableName,
          Key: { PK: `RECORDING#${BIG_ID}`, SK: 'RECORDING' },
          ConsistentRead: true,
        }),
      )
    ).Item ?? {};

  beforeAll(async () => {
    const dir = join(dataDir, BUCKET, BIG_PREFIX, 'media/hls/720p60');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dataDir, BUCKET, BIG_PREFIX, 'media/hls/master.m3u8'), '#EXTM3U\n');
    for (let i = 0; i < SEGMENTS; i++) {
      const file = join(dir, `${String(i).padStart(5, '0')}.ts`);
      await writeFile(file, '');
      // Sparse: big enough for Intelligent-Tiering to archive, without writing 200 MB.
      await truncate(file, 200 * 1024);
    }
    const item = {
      PK: `RECORDING#${BIG_ID}`,
      SK: 'RECORDING',
      type: 'Recording',
      recordingId: BIG_ID,
      userId: 'streamer-1',
      title: 'Long show',
      state: 'AVAILABLE',
      bucket: BUCKET,
      s3Prefix: BIG_PREFIX,
      startedAt: '2020-06-24T20:12:00.000Z',
      saleCount: 0,
      keep: false,
      classification: 'NO_SALES',
      version: 1,
    };
    await db.doc.send(new PutCommand({ TableName: db.tableName, Item: item }));
    const { prefixLookupKey } = await import('../../../lambdas/shared/domain/recordings');
    await db.doc.send(
      new PutCommand({ TableName: db.tableName, Item: { ...prefixLookupKey(BIG_PREFIX), recordingId: BIG_ID } }),
    );
  }, 120_000);

  it('is tagged completely: sale-markers queues one job, the worker tags page after page', async () => {
    const item = await bigItem();
    const event: DynamoDBStreamEvent = {
      Records: [
        {
          eventID: '9',
          eventName: 'MODIFY',
          dynamodb: {
            SequenceNumber: '9',
            NewImage: marshall(item) as never,
            OldImage: marshall({ ...item, state: 'RECORDING' }) as never,
          },
        },
      ],
    };
    const started = performance.now();
    expect((await h.saleMarkers.handler(event)).batchItemFailures).toEqual([]);
    // The consumer only queued the job; the tagging happens behind it.
    expect(performance.now() - started).toBeLessThan(1000);
    await bus.settled();
    expect(busLog).toEqual([]);
    const keys = [`${BIG_PREFIX}/media/hls/master.m3u8`, ...Array.from({ length: SEGMENTS }, (_, i) => segmentKey(i))];
    const untagged: string[] = [];
    for (const key of keys) {
      const meta = await s3local.store.meta(BUCKET, key);
      if (meta.tags?.classification !== 'NO_SALES') untagged.push(key);
    }
    expect(untagged).toEqual([]);
  }, 120_000);

  it('is restored completely and becomes playable only when every object is back', async () => {
    restoreEvents.length = 0;
    await s3local.markArchived(BUCKET, `${BIG_PREFIX}/`, 'ARCHIVE_ACCESS');
    const asked = await h.replay.handler({ arguments: { recordingId: BIG_ID }, identity: { sub: 'viewer-9' } });
    expect(asked).toMatchObject({ data: { status: 'RESTORING', playbackUrl: null } });

    await bus.settled();
    expect(busLog).toEqual([]);
    // Two pages of restores; the playlist (under 128 KB) is never archived by Intelligent-Tiering.
    expect(await bigItem()).toMatchObject({
      restoreStatus: 'RESTORING',
      restorePagesDone: 2,
      restoreObjectCount: SEGMENTS,
    });
    await s3local.settled();
    // S3 accepted a restore for every segment, across both pages.
    expect(restoreEvents).toHaveLength(SEGMENTS);
    expect(new Set(restoreEvents.map((e) => e.Records[0]?.s3.object.key))).toEqual(
      new Set(Array.from({ length: SEGMENTS }, (_, i) => segmentKey(i))),
    );

    // 1,048 completions counted as restore-completed counts them (one ADD each would take minutes on
    // DynamoDB Local); the last two go through the handler: the worker's total is what it waits for.
    await db.doc.send(
      new UpdateCommand({
        TableName: db.tableName,
        Key: { PK: `RECORDING#${BIG_ID}`, SK: 'RECORDING' },
        UpdateExpression: 'ADD restoredCount :n',
        ExpressionAttributeValues: { ':n': SEGMENTS - 2 },
      }),
    );
    const [last, secondLast] = [...restoreEvents].reverse();
    await h.restoreCompleted.handler(secondLast as S3RestoreCompletedEvent, context);
    expect(await bigItem()).toMatchObject({ restoreStatus: 'RESTORING', restoredCount: SEGMENTS - 1 });
    await h.restoreCompleted.handler(last as S3RestoreCompletedEvent, context);
    expect(await bigItem()).toMatchObject({ restoreStatus: 'READY', restoredCount: SEGMENTS });
    const notes = await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'PK = :p AND begins_with(SK, :n)',
        ExpressionAttributeValues: { ':p': 'USER#viewer-9', ':n': 'NOTIF#' },
      }),
    );
    expect(notes.Items).toHaveLength(1);
  }, 180_000);
});
