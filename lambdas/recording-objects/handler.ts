/**
 * The recording-objects worker: one page (ListObjectsV2, up to PAGE_SIZE keys) of bulk work on a
 * recording's objects per invocation, then the next page's event. Two jobs use it:
 * - RESTORE (started by replay): RestoreObject on each archived object of the page, counted on the
 *   Recording; after the last page the count is final and restore-completed can settle the replay
 *   (or this worker settles it, when every completion already arrived or nothing was archived);
 * - TAG (started by sale-markers): PutObjectTagging with the recording's classification, which the
 *   lifecycle rule that expires unsold recordings filters on.
 * Events arrive at least once: each page runs once per job (Powertools idempotency on the page
 * event), a page's restore count is written once (conditional on the pages counted so far), and
 * a page of a superseded job stops without touching S3. Failed pages are retried by Lambda and
 * end in the worker's failure queue.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { ListObjectsV2Command, PutObjectTaggingCommand, RestoreObjectCommand, type _Object } from '@aws-sdk/client-s3';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { ddb, dynamo, s3 } from '../shared/clients';
import { enqueueRecordingJob } from '../shared/jobs-bus';
import { ENV, requireEnv } from '../shared/env';
import { observability } from '../shared/logger';
import { mapLimit } from '../shared/domain/alerts';
import {
  CLASSIFICATION_TAG,
  MIN_TIERED_OBJECT_BYTES,
  restoreRequestFor,
  type ArchiveTier,
} from '../shared/domain/lifecycle';
import { recordingJobSchema, type RecordingJob } from '../shared/recording-jobs';
import { settleRestore } from '../shared/replay-restore';
import { recordingKey } from '../shared/domain/keys';

const { logger } = observability('recording-objects');
const TABLE = requireEnv(ENV.TABLE_NAME);

/** Keys per page: ListObjectsV2's own maximum. At S3_CONCURRENCY a page takes a few seconds. */
export const PAGE_SIZE = 1000;
/** S3 calls in flight per page (S3 sustains 3,500 write requests/s per prefix). */
export const S3_CONCURRENCY = 32;

/** What one page did. */
export interface PageResult {
  status: 'DONE' | 'STALE';
  objects: number;
  /** Objects whose restore S3 accepted or already had running (RESTORE only). */
  restoring?: number;
  /** The page event sent next, if the listing goes on. */
  nextPage?: number;
  /** RESTORE: the replay became READY during this page (nothing to restore, or all back already). */
  settled?: boolean;
}

/** The worker's input: an EventBridge event whose detail is the page. */
const eventSchema = z.object({ detail: recordingJobSchema });

/** A page event that can never succeed; thrown so the event ends in the failure queue, not silently dropped. */
export class InvalidJobError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid recording job: ${issues.join('; ')}`);
    this.name = 'InvalidJobError';
  }
}

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

async function readRecording(recordingId: string): Promise<Record<string, unknown> | undefined> {
  const out = await ddb.send(
    new GetCommand({ TableName: TABLE, Key: recordingKey(recordingId), ConsistentRead: true }),
  );
  return out.Item;
}

/** Whether the recording still wants this job (a newer restore, or a new classification, supersedes it). */
function current(job: RecordingJob, recording: Record<string, unknown> | undefined): boolean {
  if (!recording) return false;
  if (job.action === 'RESTORE') return recording.restoreStatus === 'RESTORING' && recording.restoreJobId === job.jobId;
  return recording.classification === job.classification;
}

/** Intelligent-Tiering never archives objects under 128 KB; the Glacier classes hold every object. */
function restorable(o: _Object, tier: ArchiveTier): boolean {
  return (o.Size ?? 0) >= MIN_TIERED_OBJECT_BYTES || tier === 'GLACIER' || tier === 'DEEP_ARCHIVE';
}

/** Restores the page's archived objects; returns how many restores S3 accepted or has running. */
async function restoreObjects(bucket: string, keys: string[], tier: ArchiveTier): Promise<number> {
  let restoring = 0;
  await mapLimit(keys, S3_CONCURRENCY, async (key) => {
    try {
      await s3.send(new RestoreObjectCommand({ Bucket: bucket, Key: key, RestoreRequest: restoreRequestFor(tier) }));
      restoring++;
    } catch (error) {
      const name = errorName(error);
      if (name === 'RestoreAlreadyInProgress') restoring++;
      // InvalidObjectState: this object is not archived (a smaller one, or already back).
      else if (name !== 'InvalidObjectState') throw error;
    }
  });
  return restoring;
}

/**
 * Adds the page's count to the Recording once: the condition on `restorePagesDone` makes a rerun
 * of a counted page a no-op. The last page also writes `restoreObjectCount`, the total that
 * restore-completed compares its completions with. Returns the item after the write, or undefined
 * when the page had been counted already.
 */
async function countPage(
  job: RecordingJob & { action: 'RESTORE' },
  restoring: number,
  last: boolean,
  now: string,
): Promise<Record<string, unknown> | undefined> {
  try {
    const out = await ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: recordingKey(job.recordingId),
        UpdateExpression: `SET restorePagesDone = :next, restoreRequestedCount = restoreRequestedCount + :n${last ? ', restoreObjectCount = restoreRequestedCount + :n' : ''}, updatedAt = :now`,
        ConditionExpression: 'restoreJobId = :job AND restorePagesDone = :page',
        ExpressionAttributeValues: {
          ':next': job.page + 1,
          ':n': restoring,
          ':now': now,
          ':job': job.jobId,
          ':page': job.page,
        },
        ReturnValues: 'ALL_NEW',
      }),
    );
    return out.Attributes;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return undefined;
    throw error;
  }
}

/** Handles one page of a job and sends the next page's event. Exported for tests that bypass idempotency. */
export async function processPage(job: RecordingJob): Promise<PageResult> {
  const recording = await readRecording(job.recordingId);
  if (!current(job, recording)) {
    logger.info('Recording job superseded; page skipped', {
      recordingId: job.recordingId,
      jobId: job.jobId,
      action: job.action,
      page: job.page,
    });
    return { status: 'STALE', objects: 0 };
  }
  const listed = await s3.send(
    new ListObjectsV2Command({
      Bucket: job.bucket,
      Prefix: `${job.prefix}/`,
      MaxKeys: PAGE_SIZE,
      ContinuationToken: job.token,
    }),
  );
  const objects = (listed.Contents ?? []).filter((o): o is _Object & { Key: string } => typeof o.Key === 'string');
  const next = listed.IsTruncated ? listed.NextContinuationToken : undefined;
  const result: PageResult = { status: 'DONE', objects: objects.length };

  if (job.action === 'TAG') {
    const TagSet = [{ Key: CLASSIFICATION_TAG, Value: job.classification }];
    await mapLimit(objects, S3_CONCURRENCY, (o) =>
      s3.send(new PutObjectTaggingCommand({ Bucket: job.bucket, Key: o.Key, Tagging: { TagSet } })),
    );
  } else {
    const now = new Date().toISOString();
    const keys = objects.filter((o) => restorable(o, job.tier)).map((o) => o.Key);
    result.restoring = await restoreObjects(job.bucket, keys, job.tier);
    const written = await countPage(job, result.restoring, !next, now);
    if (!next) {
      // Completions may all have arrived while pages were still being listed; then nobody else settles it.
      const after = written ?? (await readRecording(job.recordingId)) ?? {};
      const settled = await settleRestore(job.recordingId, after, now, (error, userId) =>
        logger.warn('Publishing the replay-ready notification failed', {
          userId,
          recordingId: job.recordingId,
          error: String(error),
        }),
      );
      result.settled = settled.settled;
      logger.info('Restore requests sent for every object', {
        recordingId: job.recordingId,
        jobId: job.jobId,
        objects: after.restoreObjectCount,
        ready: settled.ready,
      });
    }
  }
  if (next) {
    await enqueueRecordingJob({ ...job, page: job.page + 1, token: next });
    result.nextPage = job.page + 1;
  } else if (job.action === 'TAG') {
    logger.info('Recording objects tagged', {
      recordingId: job.recordingId,
      classification: job.classification,
      pages: job.page + 1,
    });
  }
  return result;
}

const persistenceStore = new DynamoDBPersistenceLayer({
  tableName: requireEnv(ENV.IDEMPOTENCY_TABLE_NAME),
  awsSdkV3Client: dynamo,
});
// The whole page event is the key: a redelivered or duplicated page event is the same object.
const onceConfig = new IdempotencyConfig({});
const processOnce = makeIdempotent(processPage, { persistenceStore, config: onceConfig });

export const handler = async (event: unknown, context: Context): Promise<PageResult> => {
  logger.addContext(context);
  onceConfig.registerLambdaContext(context);
  const parsed = eventSchema.safeParse(event);
  if (!parsed.success) throw new InvalidJobError(parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`));
  return processOnce(parsed.data.detail);
};
