/**
 * S3 "ObjectRestore:Completed" events: counts restored objects per recording; when every object
 * the replay restore asked for is back (the recording-objects worker writes how many once it has
 * listed them all), marks the replay playable and notifies each requester in-app
 * (`lambdas/shared/replay-restore.ts`).
 * Accepts S3 event notifications (`Records[]`) and the EventBridge "Object Restore Completed" form.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { ddb, dynamo } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import { observability } from '../shared/logger';
import { prefixLookupKey, recordingPrefixOfKey } from '../shared/domain/recordings';
import { settleRestore } from '../shared/replay-restore';
import { recordingKey } from '../shared/domain/keys';

const { logger } = observability('restore-completed');
const TABLE = requireEnv(ENV.TABLE_NAME);

const s3RecordSchema = z.object({
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({ key: z.string(), sequencer: z.string().optional(), size: z.number().optional() }),
  }),
});
const s3EventSchema = z.object({ Records: z.array(s3RecordSchema) });
const eventBridgeSchema = z.object({
  'detail-type': z.literal('Object Restore Completed'),
  id: z.string(),
  detail: z.object({
    bucket: z.object({ name: z.string() }),
    object: z.object({ key: z.string(), sequencer: z.string().optional() }),
  }),
});

/** One restored object, keyed for deduplication of redelivered events. */
export interface RestoredObject {
  id: string;
  bucket: string;
  key: string;
}

/** Normalises both event forms; S3 notifications URL-encode keys (spaces as '+'). */
export function restoredObjectsOf(event: unknown): RestoredObject[] {
  const s3 = s3EventSchema.safeParse(event);
  if (s3.success) {
    return s3.data.Records.filter((r) => r.eventName.startsWith('ObjectRestore:Completed')).map((r) => {
      const key = decodeURIComponent(r.s3.object.key.replace(/\+/g, ' '));
      return { id: `${r.s3.bucket.name}/${key}/${r.s3.object.sequencer ?? ''}`, bucket: r.s3.bucket.name, key };
    });
  }
  const eb = eventBridgeSchema.safeParse(event);
  if (eb.success) {
    const { bucket, object } = eb.data.detail;
    return [
      { id: `${bucket.name}/${object.key}/${object.sequencer ?? eb.data.id}`, bucket: bucket.name, key: object.key },
    ];
  }
  return [];
}

/** Applies one restored object; exported for tests that bypass the idempotency wrapper. */
export async function processRestoredObject(
  object: RestoredObject,
): Promise<{ recordingId?: string; ready: boolean; notified: number }> {
  const prefix = recordingPrefixOfKey(object.key);
  if (!prefix) return { ready: false, notified: 0 };
  const lookup = await ddb.send(new GetCommand({ TableName: TABLE, Key: prefixLookupKey(prefix) }));
  const recordingId = lookup.Item?.recordingId as string | undefined;
  if (!recordingId) {
    logger.warn('Restored object outside any indexed recording', { key: object.key });
    return { ready: false, notified: 0 };
  }
  const Key = recordingKey(recordingId);
  const now = new Date().toISOString();
  const counted = await ddb.send(
    new UpdateCommand({
      TableName: TABLE,
      Key,
      UpdateExpression: 'ADD restoredCount :one SET updatedAt = :now',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':one': 1, ':now': now },
      ReturnValues: 'ALL_NEW',
    }),
  );
  const recording = counted.Attributes ?? {};
  const { ready, settled, notified } = await settleRestore(recordingId, recording, now, (error, userId) =>
    logger.warn('Publishing the replay-ready notification failed', { userId, recordingId, error: String(error) }),
  );
  if (settled) logger.info('Replay restored and playable', { recordingId, objects: recording.restoreObjectCount });
  return { recordingId, ready, notified };
}

const persistenceStore = new DynamoDBPersistenceLayer({
  tableName: requireEnv(ENV.IDEMPOTENCY_TABLE_NAME),
  awsSdkV3Client: dynamo,
});
const onceConfig = new IdempotencyConfig({ eventKeyJmesPath: 'id' });
const processOnce = makeIdempotent(processRestoredObject, { persistenceStore, config: onceConfig });

export const handler = async (event: unknown, context: Context): Promise<{ processed: number }> => {
  logger.addContext(context);
  onceConfig.registerLambdaContext(context);
  const objects = restoredObjectsOf(event);
  if (objects.length === 0) logger.warn('No ObjectRestore:Completed records in event');
  for (const object of objects) await processOnce(object);
  return { processed: objects.length };
};
