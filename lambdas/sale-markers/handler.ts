/**
 * Main table stream (NEW_AND_OLD_IMAGES):
 * - a new Sale, or a product becoming featured → an IVS timed-metadata cue (PutMetadata) on the
 *   channel, coalesced per channel into as few calls as fit IVS's limits (1 KB, 5 calls/s);
 * - a new Sale of a recording → the recording's saleCount and classification;
 * - a finished recording whose classification changed → a tagging job for the recording-objects
 *   worker (S3 object tags the lifecycle rules read), queued rather than done here so live cues
 *   never wait behind a large recording.
 * Reports partial batch failures (Powertools batch) so one failing record neither blocks the shard
 * nor fails the good records beside it.
 */
import { PutMetadataCommand } from '@aws-sdk/client-ivs';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { ddb, ivs } from '../shared/clients';
import { enqueueRecordingJob } from '../shared/jobs-bus';
import { ENV, requireEnv } from '../shared/env';
import { observability } from '../shared/logger';
import { derivedId } from '../shared/domain/recordings';
import { profileKey, recordingKey } from '../shared/domain/keys';
import { imageOf, type Image } from '../shared/stream-image';
import { classify, type Classification } from '../shared/domain/lifecycle';
import { featuredCue, MAX_CALLS_PER_SECOND, packCues, saleCue, RateLimiter, type Cue } from '../shared/domain/markers';

const { logger } = observability('sale-markers');
const TABLE = requireEnv(ENV.TABLE_NAME);

/** Per channel, kept across warm invocations: bursts spread over invocations still respect 5/s. */
const limiters = new Map<string, RateLimiter>();

/** Retries of a throttled PutMetadata before the records are reported as failed. */
const MAX_THROTTLE_RETRIES = 5;
/** Calls reach IVS with network jitter that can bunch them up; a little slack keeps 5/s at IVS's end. */
const WINDOW_MARGIN_MS = 50;

interface PendingCue {
  cue: Cue;
  channelId: string;
  seq: string;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function errorName(error: unknown): string {
  return error instanceof Error ? error.name : '';
}

async function channelArnOf(
  channelId: string,
  cache: Map<string, Promise<string | undefined>>,
): Promise<string | undefined> {
  let found = cache.get(channelId);
  if (!found) {
    found = ddb
      .send(new GetCommand({ TableName: TABLE, Key: profileKey(channelId), ProjectionExpression: 'channelArn' }))
      .then((out) => out.Item?.channelArn as string | undefined);
    cache.set(channelId, found);
  }
  return found;
}

/**
 * Sends a channel's cues in order, packing as many as fit in each 1 KB payload and waiting for the
 * channel's rate limiter between calls. Returns the sequence numbers whose cues could not be sent.
 */
async function sendChannelCues(channelArn: string, pending: PendingCue[]): Promise<string[]> {
  let limiter = limiters.get(channelArn);
  if (!limiter) {
    limiter = new RateLimiter(MAX_CALLS_PER_SECOND, 1000 + WINDOW_MARGIN_MS);
    limiters.set(channelArn, limiter);
  }
  let index = 0;
  while (index < pending.length) {
    const { payload, count } = packCues(pending.slice(index).map((p) => p.cue));
    index += count;
    let attempt = 0;
    for (;;) {
      for (let wait = limiter.delay(Date.now()); wait > 0; wait = limiter.delay(Date.now())) await sleep(wait);
      limiter.record(Date.now());
      try {
        await ivs.send(new PutMetadataCommand({ channelArn, metadata: payload }));
        break;
      } catch (error) {
        const name = errorName(error);
        if (name === 'ChannelNotBroadcasting' || name === 'ResourceNotFoundException') {
          // Nobody is watching live: the cues have no audience (the sale records still carry their
          // offsets), and the rest of this batch would meet the same answer.
          logger.info('Channel not broadcasting; cues skipped', {
            channelArn,
            cues: pending.length - index + count,
            reason: name,
          });
          return [];
        }
        if (name === 'ThrottlingException' && attempt < MAX_THROTTLE_RETRIES) {
          attempt++;
          await sleep(Math.min(2000, 100 * 2 ** attempt) + Math.floor(Math.random() * 50));
          continue;
        }
        logger.error('PutMetadata failed', { channelArn, cues: count, error: String(error) });
        return pending.slice(index - count).map((p) => p.seq);
      }
    }
  }
  return [];
}

/**
 * Counts a sale once on its recording (a redelivered record does not count twice). The
 * classification follows from the Recording's own stream record (see `reconcileClassification`).
 * A sale that beats its Recording Start leaves a stub the recording-state handler completes.
 */
async function countSale(recordingId: string, saleId: string, now: string): Promise<void> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: recordingKey(recordingId),
        UpdateExpression: 'ADD saleCount :one, saleIds :ids, version :one SET updatedAt = :now',
        ConditionExpression: 'NOT contains(saleIds, :sid)',
        ExpressionAttributeValues: { ':one': 1, ':ids': new Set([saleId]), ':sid': saleId, ':now': now },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * Brings `classification` in line with keep and saleCount. Conditional on the version the stream
 * record showed: if the item moved on, its newer stream record reconciles again.
 */
async function reconcileClassification(image: Image, wanted: Classification, now: string): Promise<void> {
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: TABLE,
        Key: { PK: image.PK, SK: image.SK },
        UpdateExpression: 'SET classification = :c, updatedAt = :now ADD version :one',
        ConditionExpression: typeof image.version === 'number' ? 'version = :v' : 'attribute_not_exists(version)',
        ExpressionAttributeValues: {
          ':c': wanted,
          ':now': now,
          ':one': 1,
          ...(typeof image.version === 'number' ? { ':v': image.version } : {}),
        },
      }),
    );
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
  }
}

/**
 * Hands the tagging of every object of the recording to the recording-objects worker (one page
 * event), so this consumer, which also sends live cues, never waits on a recording's size. The job
 * id follows from the stream record, so a redelivered record repeats the same job, which the
 * worker runs once.
 */
async function tagRecording(
  recordingId: string,
  image: Image,
  bucket: string,
  prefix: string,
  classification: Classification,
  seq: string,
): Promise<void> {
  const jobId = derivedId(
    'tag',
    recordingId,
    classification,
    typeof image.version === 'number' ? String(image.version) : seq,
  );
  await enqueueRecordingJob({ action: 'TAG', jobId, recordingId, bucket, prefix, classification, page: 0 });
}

function seqOf(record: DynamoDBRecord): string {
  return record.dynamodb?.SequenceNumber ?? record.eventID ?? '';
}

type Action =
  | { kind: 'cue'; pending: PendingCue; sale?: { recordingId: string; saleId: string } }
  | { kind: 'reconcile'; image: Image; wanted: Classification }
  | {
      kind: 'tag';
      image: Image;
      seq: string;
      bucket: string;
      prefix: string;
      wanted: Classification;
      recordingId: string;
    };

/** A record whose cue IVS refused (other than "not broadcasting"): it is retried. */
export class CueNotSentError extends Error {
  override readonly name = 'CueNotSentError';
}

/** What one stream record asks for, or undefined when nothing. */
function actionOf(record: DynamoDBRecord): Action | undefined {
  const seq = seqOf(record);
  const next = imageOf(record.dynamodb?.NewImage);
  const old = imageOf(record.dynamodb?.OldImage);
  if (!next) return undefined;
  if (next.type === 'Sale' && record.eventName === 'INSERT') {
    const cue = saleCue({
      saleId: String(next.saleId),
      productId: String(next.productId),
      productTitle: next.productTitle as string | undefined,
      price: Number(next.price),
      currency: String(next.currency),
    });
    return {
      kind: 'cue',
      pending: { channelId: String(next.channelId), seq, cue },
      sale:
        typeof next.recordingId === 'string'
          ? { recordingId: next.recordingId, saleId: String(next.saleId) }
          : undefined,
    };
  }
  if (next.type === 'Product' && next.featured === true && old?.featured !== true) {
    const cue = featuredCue({
      productId: String(next.productId),
      title: next.title as string | undefined,
      currency: next.currency as string | undefined,
      buyNowPrice: next.buyNowPrice as number | undefined,
      currentPrice: next.currentPrice as number | undefined,
      startingBid: next.startingBid as number | undefined,
    });
    return { kind: 'cue', pending: { channelId: String(next.channelId), seq, cue } };
  }
  if (next.type === 'Recording' && typeof next.state === 'string') {
    const wanted = classify({ keep: next.keep === true, saleCount: Number(next.saleCount ?? 0) });
    if (next.classification !== wanted) return { kind: 'reconcile', image: next, wanted };
    if (
      next.state === 'AVAILABLE' &&
      typeof next.recordingId === 'string' &&
      typeof next.bucket === 'string' &&
      typeof next.s3Prefix === 'string' &&
      (old?.state !== 'AVAILABLE' || old.classification !== next.classification)
    ) {
      // Tags go on once the recording is complete, so no object written later misses them.
      return {
        kind: 'tag',
        image: next,
        seq,
        bucket: next.bucket,
        prefix: next.s3Prefix,
        wanted,
        recordingId: next.recordingId,
      };
    }
  }
  return undefined;
}

/**
 * One batch through Powertools' BatchProcessor: every record succeeds or fails on its own and
 * only the failed ones are reported (Lambda redelivers from the lowest of them; each step here is
 * idempotent). Cues are coalesced per channel first (1 KB payloads, 5 calls/s), so a cue record
 * waits for its channel's sends and fails only if its own payload was refused.
 */
export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const now = new Date().toISOString();
  const actions = new Map<DynamoDBRecord, Action | Error>();
  const byChannel = new Map<string, PendingCue[]>();
  for (const record of event.Records) {
    let action: Action | Error | undefined;
    try {
      action = actionOf(record);
    } catch (error) {
      // A record that cannot even be read fails alone; the batch goes on.
      action = error instanceof Error ? error : new Error(String(error));
    }
    if (!action) continue;
    actions.set(record, action);
    if (!(action instanceof Error) && action.kind === 'cue') {
      byChannel.set(action.pending.channelId, [...(byChannel.get(action.pending.channelId) ?? []), action.pending]);
    }
  }

  const arnCache = new Map<string, Promise<string | undefined>>();
  const sends = new Map<string, Promise<Set<string>>>();
  /** The sequence numbers of the channel's cues that could not be sent (sent once per batch). */
  const sendChannel = (channelId: string): Promise<Set<string>> => {
    let sent = sends.get(channelId);
    if (!sent) {
      const pending = byChannel.get(channelId) ?? [];
      sent = channelArnOf(channelId, arnCache).then(async (arn) => {
        if (!arn) {
          logger.warn('Channel has no IVS channel ARN; cues skipped', { channelId, cues: pending.length });
          return new Set<string>();
        }
        return new Set(await sendChannelCues(arn, pending));
      });
      sends.set(channelId, sent);
    }
    return sent;
  };

  const processor = new BatchProcessor(EventType.DynamoDBStreams, { logger });
  const result = await processPartialResponse(
    event,
    async (record: DynamoDBRecord) => {
      const action = actions.get(record);
      if (!action) return;
      if (action instanceof Error) throw action;
      if (action.kind === 'cue') {
        const { pending, sale } = action;
        // Both settle before the record's outcome: the channel's send is shared with its other records.
        const [sent, counted] = await Promise.allSettled([
          sendChannel(pending.channelId),
          sale ? countSale(sale.recordingId, sale.saleId, now) : undefined,
        ]);
        if (sent.status === 'rejected') throw sent.reason;
        if (counted.status === 'rejected') throw counted.reason;
        if (sent.value.has(pending.seq))
          throw new CueNotSentError(`the cue of ${pending.seq} was not sent to channel ${pending.channelId}`);
      } else if (action.kind === 'reconcile') {
        await reconcileClassification(action.image, action.wanted, now);
      } else {
        await tagRecording(action.recordingId, action.image, action.bucket, action.prefix, action.wanted, action.seq);
        logger.info('Recording tagging queued', { recordingId: action.recordingId, classification: action.wanted });
      }
    },
    processor,
    { throwOnFullBatchFailure: false },
  );
  // throwOnFullBatchFailure off: a batch whose every record failed answers the same shape (all named).
  for (const [index, error] of processor.errors.entries()) {
    logger.error('Stream record failed', {
      seq: seqOf(processor.failureMessages[index] as DynamoDBRecord),
      error: String(error),
    });
  }
  return result;
};

/** Test hook: forget rate limiters between test cases. */
export function resetLimiters(): void {
  limiters.clear();
}
