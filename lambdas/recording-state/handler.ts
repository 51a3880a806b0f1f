/**
 * "IVS Recording State Change" → Recording item (+ the streamer profile's current recording).
 * Idempotent (Powertools idempotency on the event id, plus convergent writes for duplicates with
 * other ids) and order-safe (an End processed before its Start is never regressed).
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { GetObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { ddb, dynamo, s3 } from '../shared/clients';
import { ENV, optionalEnv, requireEnv } from '../shared/env';
import { observability } from '../shared/logger';
import { classify } from '../shared/domain/lifecycle';
import { channelArnIndexKey, profileKey, recordingKey } from '../shared/domain/keys';
import {
  firstThumbnail,
  latestThumbnailKey,
  mergeRecording,
  normalisePrefix,
  observe,
  prefixLookupKey,
  publicUrl,
  recordingEventSchema,
  recordingItemKeys,
  recordingMetadataSchema,
  thumbnailDirOf,
  type RecordingEvent,
  type RecordingFields,
  type RecordingMetadata,
} from '../shared/domain/recordings';

const { logger } = observability('recording-state');
const TABLE = requireEnv(ENV.TABLE_NAME);
/** CloudFront base of the recordings bucket; thumbnails are stored as URLs so list resolvers need no env. */
const REPLAY_BASE_URL = optionalEnv(ENV.REPLAY_BASE_URL);

/** Profile fields this handler needs, found through GSI2 `CHANNEL_ARN#<arn>`. */
interface ChannelOwner {
  userId: string;
  handle?: string;
  title?: string;
}

async function ownerOfChannel(channelArn: string): Promise<ChannelOwner | undefined> {
  const { GSI2PK, GSI2SK } = channelArnIndexKey(channelArn);
  const out = await ddb.send(
    new QueryCommand({
      TableName: TABLE,
      IndexName: 'GSI2',
      KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK = :sk',
      ExpressionAttributeValues: { ':pk': GSI2PK, ':sk': GSI2SK },
      Limit: 1,
    }),
  );
  const item = out.Items?.[0];
  if (!item || typeof item.userId !== 'string') return undefined;
  return { userId: item.userId, handle: item.handle as string | undefined, title: item.title as string | undefined };
}

/**
 * Reads the metadata file IVS writes for this event. It may not exist yet (IVS writes it shortly
 * after the event) or be unreadable; the event alone still yields a usable recording then.
 */
async function readMetadata(bucket: string, prefix: string, file: string): Promise<RecordingMetadata | undefined> {
  try {
    const out = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: `${normalisePrefix(prefix)}/events/${file}` }),
    );
    const text = await out.Body?.transformToString('utf8');
    if (!text) return undefined;
    return recordingMetadataSchema.parse(JSON.parse(text));
  } catch (error) {
    logger.warn('Recording metadata file not readable; using the event alone', { file, prefix, error: String(error) });
    return undefined;
  }
}

/**
 * The recording's first thumbnail as listed in the bucket, not a guessed name: IVS numbers them from
 * thumb0, other recorders from thumb1. Undefined while none is written (at Recording Start, usually).
 */
async function listedThumbnail(bucket: string, dir: string | undefined): Promise<string | undefined> {
  if (!dir) return undefined;
  try {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: dir, MaxKeys: 1000 }));
    return firstThumbnail((out?.Contents ?? []).map((o) => o.Key ?? ''));
  } catch (error) {
    logger.warn('Recording thumbnails not listable; the recording keeps no thumbnail for now', {
      dir,
      error: String(error),
    });
    return undefined;
  }
}

function metadataFileFor(status: RecordingEvent['detail']['recording_status']): string | undefined {
  if (status === 'Recording Start') return 'recording-started.json';
  if (status === 'Recording End') return 'recording-ended.json';
  if (status === 'Recording End Failure') return 'recording-failed.json';
  return undefined;
}

const RECORDING_FIELDS: readonly (keyof RecordingFields)[] = [
  'recordingId',
  'userId',
  'handle',
  'title',
  'channelArn',
  'streamId',
  'recordingSessionId',
  'bucket',
  's3Prefix',
  'state',
  'stateReason',
  'startedAt',
  'endedAt',
  'durationMs',
  'renditions',
  'thumbnailKey',
  'lastEventAt',
];

function fieldsOf(item: Record<string, unknown>): RecordingFields {
  return Object.fromEntries(
    RECORDING_FIELDS.filter((k) => item[k] !== undefined).map((k) => [k, item[k]]),
  ) as unknown as RecordingFields;
}

/**
 * Read-merge-write with optimistic concurrency on `version`, so two events of one session racing
 * each other both end up in the item. Attributes other writers own (saleCount, keep, restore
 * state) are carried over; those writers bump `version` too, so a stale copy never wins.
 */
async function upsertRecording(next: RecordingFields, now: string): Promise<RecordingFields> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const got = await ddb.send(
      new GetCommand({ TableName: TABLE, Key: recordingKey(next.recordingId), ConsistentRead: true }),
    );
    const stored = got.Item;
    // A stub (only saleCount, written when a sale beat the Start event) has no state yet.
    const merged = mergeRecording(stored?.state ? fieldsOf(stored) : undefined, next);
    const version = typeof stored?.version === 'number' ? stored.version : 0;
    const saleCount = typeof stored?.saleCount === 'number' ? stored.saleCount : 0;
    const keep = stored?.keep === true;
    const item: Record<string, unknown> = {
      ...stored,
      ...merged,
      ...recordingItemKeys(merged),
      type: 'Recording',
      saleCount,
      keep,
      classification: classify({ keep, saleCount }),
      thumbnailUrl:
        merged.thumbnailKey && REPLAY_BASE_URL ? publicUrl(REPLAY_BASE_URL, merged.thumbnailKey) : stored?.thumbnailUrl,
      version: version + 1,
      createdAt: (stored?.createdAt as string | undefined) ?? now,
      updatedAt: now,
    };
    if (merged.state !== 'AVAILABLE') {
      delete item.GSI2PK;
      delete item.GSI2SK;
    }
    try {
      await ddb.send(
        new PutCommand({
          TableName: TABLE,
          Item: item,
          ConditionExpression: stored ? 'version = :v' : 'attribute_not_exists(PK)',
          ExpressionAttributeValues: stored ? { ':v': version } : undefined,
        }),
      );
      return merged;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
  throw new Error(`Recording ${next.recordingId}: gave up after concurrent updates`);
}

/**
 * While the recording runs, the profile points at it (sales compute their offset from
 * recordingStartedAt); once it ended the pointer goes, but only if it still points at this one.
 */
async function updateProfile(r: RecordingFields, now: string): Promise<void> {
  const Key = profileKey(r.userId);
  try {
    if (r.state === 'RECORDING') {
      await ddb.send(
        new UpdateCommand({
          TableName: TABLE,
          Key,
          // The live tile shows the recording's latest thumbnail, which IVS rewrites while the stream runs.
          UpdateExpression: REPLAY_BASE_URL
            ? 'SET currentRecordingId = :id, recordingStartedAt = :at, liveThumbnailUrl = :thumb, updatedAt = :now'
            : 'SET currentRecordingId = :id, recordingStartedAt = :at, updatedAt = :now',
          // A newer recording's start is never replaced by an older one's late event.
          ConditionExpression:
            'attribute_exists(PK) AND (attribute_not_exists(recordingStartedAt) OR recordingStartedAt <= :at OR currentRecordingId = :id)',
          ExpressionAttributeValues: {
            ':id': r.recordingId,
            ':at': r.startedAt,
            ':now': now,
            ...(REPLAY_BASE_URL ? { ':thumb': publicUrl(REPLAY_BASE_URL, latestThumbnailKey(r.s3Prefix)) } : {}),
          },
        }),
      );
    } else {
      await ddb.send(
        new UpdateCommand({
          TableName: TABLE,
          Key,
          UpdateExpression: 'REMOVE currentRecordingId, recordingStartedAt, liveThumbnailUrl SET updatedAt = :now',
          ConditionExpression: 'currentRecordingId = :id',
          ExpressionAttributeValues: { ':id': r.recordingId, ':now': now },
        }),
      );
    }
  } catch (error) {
    if (!(error instanceof ConditionalCheckFailedException)) throw error;
    logger.info('Profile already points elsewhere; left unchanged', { recordingId: r.recordingId, state: r.state });
  }
}

/** Processes one validated event; exported for tests that bypass the idempotency wrapper. */
export async function processRecordingEvent(event: RecordingEvent): Promise<RecordingFields | undefined> {
  const channelArn = event.resources[0] as string;
  const owner = await ownerOfChannel(channelArn);
  if (!owner) {
    logger.warn('Recording event for a channel with no profile; ignored', { channelArn });
    return undefined;
  }
  const { detail } = event;
  const file = metadataFileFor(detail.recording_status);
  const metadata = file
    ? await readMetadata(detail.recording_s3_bucket_name, detail.recording_s3_key_prefix, file)
    : undefined;
  const observed = observe({ ...owner, channelArn, eventTime: event.time, detail, metadata });
  const thumbnailKey = await listedThumbnail(
    detail.recording_s3_bucket_name,
    thumbnailDirOf(observed.s3Prefix, metadata),
  );
  if (thumbnailKey) observed.thumbnailKey = thumbnailKey;
  const now = new Date().toISOString();
  const merged = await upsertRecording(observed, now);
  await ddb.send(
    new PutCommand({
      TableName: TABLE,
      Item: {
        ...prefixLookupKey(merged.s3Prefix),
        type: 'RecordingPrefix',
        recordingId: merged.recordingId,
        bucket: merged.bucket,
        createdAt: now,
        updatedAt: now,
      },
    }),
  );
  await updateProfile(merged, now);
  logger.info('Recording indexed', {
    recordingId: merged.recordingId,
    state: merged.state,
    status: detail.recording_status,
  });
  return merged;
}

const persistenceStore = new DynamoDBPersistenceLayer({
  tableName: requireEnv(ENV.IDEMPOTENCY_TABLE_NAME),
  awsSdkV3Client: dynamo,
});

const idempotent = makeIdempotent(
  async (event: RecordingEvent, _context: Context) => {
    const result = await processRecordingEvent(event);
    return result ? { recordingId: result.recordingId, state: result.state } : { ignored: true };
  },
  { persistenceStore, config: new IdempotencyConfig({ eventKeyJmesPath: 'id' }) },
);

export const handler = async (raw: unknown, context: Context): Promise<unknown> => {
  logger.addContext(context);
  const parsed = recordingEventSchema.safeParse(raw);
  if (!parsed.success) {
    // A malformed event would fail identically on every retry: log it and drop it.
    logger.error('Not an IVS Recording State Change event', { issues: parsed.error.issues });
    return { ignored: true };
  }
  return idempotent(parsed.data, context);
};
