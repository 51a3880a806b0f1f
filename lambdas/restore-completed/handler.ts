/**
 * S3 "ObjectRestore:Completed" events: counts restored objects per recording; when every object
 * the replay restore asked for is back, marks the replay playable and notifies each requester
 * in-app (Notification item + publishNotification so their subscription fires).
 * Accepts S3 event notifications (`Records[]`) and the EventBridge "Object Restore Completed" form.
 */
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { z } from 'zod';
import { publish } from '../shared/appsync-publish';
import { ddb, dynamo } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import { observability } from '../shared/logger';
import { derivedId, prefixLookupKey, recordingPrefixOfKey } from '../shared/domain/recordings';

const { logger } = observability('restore-completed');
const TABLE = requireEnv(ENV.TABLE_NAME);
const NOTIFICATION_TTL_SECONDS = 90 * 24 * 3600;

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
  detail: z.object({ bucket: z.object({ name: z.string() }), object: z.object({ key: z.string(), sequencer: z.string().optional() }) }),
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
    return [{ id: `${bucket.name}/${object.key}/${object.sequencer ?? eb.data.id}`, bucket: bucket.name, key: object.key }];
  }
  return [];
}

const NOTIFY_MUTATION = /* GraphQL */ `
  mutation PublishNotification($input: PublishNotificationInput!) {
    publishNotification(input: $input) { notificationId userId kind title body link createdAt read }
  }
`;

/** Notifies every pending requester once (deterministic ids make a retried run converge). */
async function notifyRequesters(recording: Record<string, unknown>): Promise<number> {
  const recordingId = String(recording.recordingId);
  const createdAt = String(recording.restoredAt ?? new Date().toISOString());
  const out = await ddb.send(
    new QueryCommand({
      TableName: TABLE,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
      ExpressionAttributeValues: { ':pk': `RECORDING#${recordingId}`, ':sk': 'RESTORE#' },
    }),
  );
  let sent = 0;
  for (const request of out.Items ?? []) {
    const userId = String(request.userId);
    const notificationId = derivedId('ntf', recordingId, userId, createdAt);
    const title = 'Your replay is ready';
    const body = recording.title ? `"${String(recording.title)}" can be played now.` : 'The replay you asked for can be played now.';
    const link = `/replay/${recordingId}`;
    await ddb.send(
      new PutCommand({
        TableName: TABLE,
        Item: {
          PK: `USER#${userId}`,
          SK: `NOTIF#${createdAt}#${notificationId}`,
          type: 'Notification',
          notificationId,
          userId,
          kind: 'REPLAY_READY',
          title,
          body,
          link,
          read: false,
          createdAt,
          updatedAt: createdAt,
          expiresAt: Math.floor(Date.parse(createdAt) / 1000) + NOTIFICATION_TTL_SECONDS,
        },
      }),
    );
    try {
      await publish(NOTIFY_MUTATION, { input: { notificationId, userId, kind: 'REPLAY_READY', title, body, link, createdAt } });
    } catch (error) {
      // The stored notification is the record; the live push is best effort.
      logger.warn('Publishing the replay-ready notification failed', { userId, recordingId, error: String(error) });
    }
    await ddb.send(new DeleteCommand({ TableName: TABLE, Key: { PK: request.PK, SK: request.SK } }));
    sent++;
  }
  return sent;
}

/** Applies one restored object; exported for tests that bypass the idempotency wrapper. */
export async function processRestoredObject(object: RestoredObject): Promise<{ recordingId?: string; ready: boolean; notified: number }> {
  const prefix = recordingPrefixOfKey(object.key);
  if (!prefix) return { ready: false, notified: 0 };
  const lookup = await ddb.send(new GetCommand({ TableName: TABLE, Key: prefixLookupKey(prefix) }));
  const recordingId = lookup.Item?.recordingId as string | undefined;
  if (!recordingId) {
    logger.warn('Restored object outside any indexed recording', { key: object.key });
    return { ready: false, notified: 0 };
  }
  const Key = { PK: `RECORDING#${recordingId}`, SK: 'RECORDING' };
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
  let recording = counted.Attributes ?? {};
  const expected = Number(recording.restoreObjectCount ?? 0);
  if (recording.restoreStatus === 'RESTORING' && expected > 0 && Number(recording.restoredCount ?? 0) >= expected) {
    try {
      const done = await ddb.send(
        new UpdateCommand({
          TableName: TABLE,
          Key,
          UpdateExpression: 'SET restoreStatus = :ready, restoredAt = :now, updatedAt = :now ADD version :one',
          ConditionExpression: 'restoreStatus = :restoring',
          ExpressionAttributeValues: { ':ready': 'READY', ':restoring': 'RESTORING', ':now': now, ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      recording = done.Attributes ?? recording;
      logger.info('Replay restored and playable', { recordingId, objects: expected });
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
  if (recording.restoreStatus !== 'READY') return { recordingId, ready: false, notified: 0 };
  const notified = await notifyRequesters(recording);
  return { recordingId, ready: true, notified };
}

const persistenceStore = new DynamoDBPersistenceLayer({ tableName: requireEnv(ENV.IDEMPOTENCY_TABLE_NAME), awsSdkV3Client: dynamo });
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
