/**
 * The end of a replay restore, shared by the two functions that can see it first: restore-completed
 * (the last ObjectRestore:Completed event) and the recording-objects worker (the last page listed,
 * when every completion already arrived or nothing needed restoring). Marks the recording READY
 * once, then notifies each pending requester in-app (Notification item + publishNotification).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { publish } from './appsync-publish';
import { ddb } from './clients';
import { ENV, requireEnv } from './env';
import { derivedId } from './domain/recordings';
import { notificationKey, recordingKey, recordingPartition, SK_PREFIX } from './domain/keys';

const NOTIFICATION_TTL_SECONDS = 90 * 24 * 3600;

const NOTIFY_MUTATION = /* GraphQL */ `
  mutation PublishNotification($input: PublishNotificationInput!) {
    publishNotification(input: $input) {
      notificationId
      userId
      kind
      title
      body
      link
      createdAt
      read
    }
  }
`;

/**
 * Whether every object the restore asked for is back. `restoreObjectCount` is written only when the
 * worker has listed the whole recording, so completions counted before that never settle early.
 */
export function restoreComplete(recording: Record<string, unknown>): boolean {
  return (
    recording.restoreStatus === 'RESTORING' &&
    typeof recording.restoreObjectCount === 'number' &&
    Number(recording.restoredCount ?? 0) >= recording.restoreObjectCount
  );
}

/** Notifies every pending requester once (deterministic ids make a retried run converge). */
export async function notifyRequesters(
  recording: Record<string, unknown>,
  onPublishFailed: (error: unknown, userId: string) => void,
): Promise<number> {
  const table = requireEnv(ENV.TABLE_NAME);
  const recordingId = String(recording.recordingId);
  const createdAt = String(recording.restoredAt ?? new Date().toISOString());
  const out = await ddb.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)',
      ExpressionAttributeValues: { ':pk': recordingPartition(recordingId), ':sk': SK_PREFIX.restore },
    }),
  );
  let sent = 0;
  for (const request of out.Items ?? []) {
    const userId = String(request.userId);
    const notificationId = derivedId('ntf', recordingId, userId, createdAt);
    const title = 'Your replay is ready';
    const body = recording.title
      ? `"${String(recording.title)}" can be played now.`
      : 'The replay you asked for can be played now.';
    const link = `/replay/${recordingId}`;
    await ddb.send(
      new PutCommand({
        TableName: table,
        Item: {
          ...notificationKey(userId, createdAt, notificationId),
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
      await publish(NOTIFY_MUTATION, {
        input: { notificationId, userId, kind: 'REPLAY_READY', title, body, link, createdAt },
      });
    } catch (error) {
      // The stored notification is the record; the live push is best effort.
      onPublishFailed(error, userId);
    }
    await ddb.send(new DeleteCommand({ TableName: table, Key: { PK: request.PK, SK: request.SK } }));
    sent++;
  }
  return sent;
}

export interface SettleResult {
  /** The recording is READY (now or before). */
  ready: boolean;
  /** This call moved it from RESTORING to READY. */
  settled: boolean;
  notified: number;
}

/**
 * Marks a complete restore READY (conditional: one caller wins) and notifies the requesters
 * waiting on a READY recording. `recording` is the Recording item as last read or written by the caller.
 */
export async function settleRestore(
  recordingId: string,
  recording: Record<string, unknown>,
  now: string,
  onPublishFailed: (error: unknown, userId: string) => void,
): Promise<SettleResult> {
  let current = recording;
  let settled = false;
  if (restoreComplete(current)) {
    try {
      const done = await ddb.send(
        new UpdateCommand({
          TableName: requireEnv(ENV.TABLE_NAME),
          Key: recordingKey(recordingId),
          UpdateExpression: 'SET restoreStatus = :ready, restoredAt = :now, updatedAt = :now ADD version :one',
          ConditionExpression: 'restoreStatus = :restoring',
          ExpressionAttributeValues: { ':ready': 'READY', ':restoring': 'RESTORING', ':now': now, ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      current = done.Attributes ?? current;
      settled = true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
  if (current.restoreStatus !== 'READY') return { ready: false, settled, notified: 0 };
  return { ready: true, settled, notified: await notifyRequesters({ recordingId, ...current }, onPublishFailed) };
}
