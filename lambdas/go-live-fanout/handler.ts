/**
 * One go-live alert per stream: on Stream Start, an SNS publish (email subscribers filter on the
 * `streamerId` message attribute) and an in-app notification to every follower (batch writes of
 * 25, bounded parallelism, UnprocessedItems retried) pushed with publishNotification.
 *
 * Once-per-stream: a conditional put of `STREAM#<id>`/`ALERTED` claims the stream. A run that
 * fails releases its claim so the Lambda retry finishes the job; notification ids are derived from
 * (stream, follower), so rewriting them is harmless, and the SNS publish is skipped once recorded.
 */
import { PublishCommand } from '@aws-sdk/client-sns';
import { BatchWriteCommand, GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, sns } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import { publish } from '../shared/appsync-publish';
import { observability } from '../shared/logger';
import { chunk, goLiveMessage, goLiveNotificationId, mapLimit, NOTIFICATION_TTL_SECONDS } from '../shared/domain/alerts';
import { profileKey, type Profile } from '../shared/domain/streamers';

const { logger } = observability('go-live-fanout');

/** Parallel BatchWriteItem calls in flight (each 25 items). */
export const WRITE_CONCURRENCY = 8;
/** Parallel publishNotification calls in flight. */
export const PUBLISH_CONCURRENCY = 16;
const MAX_BATCH_ATTEMPTS = 8;

export const PUBLISH_NOTIFICATION = /* GraphQL */ `
  mutation PublishNotification($input: PublishNotificationInput!) {
    publishNotification(input: $input) { notificationId userId kind title body link createdAt read }
  }
`;

interface GoLiveEvent {
  id: string;
  time: string;
  resources: string[];
  detail: { event_name: string; stream_id: string };
}

interface Marker { snsMessageId?: string; state: 'IN_PROGRESS' | 'DONE' }

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Writes `requests` (≤ 25) and retries UnprocessedItems with exponential backoff and jitter. */
export async function batchWriteAll(table: string, requests: Record<string, unknown>[]): Promise<void> {
  let pending = requests;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt >= MAX_BATCH_ATTEMPTS) throw new Error(`BatchWriteItem left ${pending.length} items unprocessed`);
    if (attempt > 0) await sleep(Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2));
    const out = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
    pending = (out.UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
  }
}

async function claim(table: string, streamId: string, userId: string): Promise<Marker | undefined> {
  try {
    // An update, not a put: a released claim keeps its snsMessageId so a retry never re-sends SNS.
    const { Attributes } = await ddb.send(new UpdateCommand({
      TableName: table,
      Key: { PK: `STREAM#${streamId}`, SK: 'ALERTED' },
      UpdateExpression: 'SET #state = :inProgress, #type = :type, userId = :uid, createdAt = if_not_exists(createdAt, :now), updatedAt = :now',
      ConditionExpression: 'attribute_not_exists(PK) OR #state = :released',
      ExpressionAttributeNames: { '#state': 'state', '#type': 'type' },
      ExpressionAttributeValues: { ':inProgress': 'IN_PROGRESS', ':released': 'RELEASED', ':type': 'GoLiveAlert', ':uid': userId, ':now': new Date().toISOString() },
      ReturnValues: 'ALL_NEW',
    }));
    return Attributes as Marker;
  } catch (error) {
    if ((error as { name?: string }).name === 'ConditionalCheckFailedException') return undefined;
    throw error;
  }
}

async function setMarker(table: string, streamId: string, values: Record<string, unknown>): Promise<void> {
  const names: Record<string, string> = {};
  const vals: Record<string, unknown> = {};
  const sets = Object.entries(values).map(([k, v], i) => {
    names[`#k${i}`] = k;
    vals[`:v${i}`] = v;
    return `#k${i} = :v${i}`;
  });
  await ddb.send(new UpdateCommand({
    TableName: table, Key: { PK: `STREAM#${streamId}`, SK: 'ALERTED' },
    UpdateExpression: `SET ${sets.join(', ')}`, ExpressionAttributeNames: names, ExpressionAttributeValues: vals,
  }));
}

export interface FanoutResult { status: 'SENT' | 'ALREADY_SENT' | 'UNKNOWN_CHANNEL'; followers: number }

/** Sends the alerts for one Stream Start. */
export async function fanOut(event: GoLiveEvent): Promise<FanoutResult> {
  const table = requireEnv(ENV.TABLE_NAME);
  const channelArn = event.resources[0];
  const { Items } = await ddb.send(new QueryCommand({
    TableName: table, IndexName: 'GSI2',
    KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK = :sk',
    ExpressionAttributeValues: { ':pk': `CHANNEL_ARN#${channelArn}`, ':sk': 'PROFILE' },
  }));
  const stub = Items?.[0] as Profile | undefined;
  if (!stub) return { status: 'UNKNOWN_CHANNEL', followers: 0 };
  const { Item } = await ddb.send(new GetCommand({ TableName: table, Key: profileKey(stub.userId) }));
  const profile = (Item ?? stub) as Profile;

  const streamId = event.detail.stream_id;
  const marker = await claim(table, streamId, profile.userId);
  if (!marker) return { status: 'ALREADY_SENT', followers: 0 };

  try {
    const message = goLiveMessage({
      handle: profile.handle, displayName: profile.displayName, title: profile.title,
      goingLiveMessage: profile.goingLiveMessage, webUrl: requireEnv(ENV.WEB_URL),
    });
    if (!marker.snsMessageId) {
      const out = await sns.send(new PublishCommand({
        TopicArn: requireEnv(ENV.GO_LIVE_TOPIC_ARN),
        Subject: message.subject,
        Message: `${message.body}\n\nWatch: ${message.link}`,
        MessageAttributes: {
          streamerId: { DataType: 'String', StringValue: profile.userId },
          handle: { DataType: 'String', StringValue: profile.handle },
        },
      }));
      await setMarker(table, streamId, { snsMessageId: out.MessageId ?? 'unknown' });
    }

    const createdAt = new Date(event.time).toISOString();
    const expiresAt = Math.floor(Date.parse(createdAt) / 1000) + NOTIFICATION_TTL_SECONDS;
    let followers = 0;
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await ddb.send(new QueryCommand({
        TableName: table, IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': `USER#${profile.userId}#FOLLOWERS` },
        ProjectionExpression: 'followerId, PK',
        ExclusiveStartKey: startKey,
      }));
      startKey = page.LastEvaluatedKey;
      const followerIds = (page.Items ?? []).map((i) => (i.followerId as string | undefined) ?? String(i.PK).slice('USER#'.length));
      followers += followerIds.length;
      const notifications = followerIds.map((userId) => ({
        notificationId: goLiveNotificationId(streamId, userId), userId, kind: 'GO_LIVE' as const,
        title: message.subject, body: message.body, link: message.link, createdAt,
      }));
      await mapLimit(chunk(notifications, 25), WRITE_CONCURRENCY, (batch) => batchWriteAll(table, batch.map((n) => ({
        PutRequest: {
          Item: {
            PK: `USER#${n.userId}`, SK: `NOTIF#${n.createdAt}#${n.notificationId}`, type: 'Notification',
            ...n, read: false, streamerId: profile.userId, expiresAt, updatedAt: createdAt,
          },
        },
      }))));
      await mapLimit(notifications, PUBLISH_CONCURRENCY, async (n) => {
        try {
          await publish(PUBLISH_NOTIFICATION, { input: n });
        } catch (error) {
          // The inbox item is written; a missed push shows on the next inbox read.
          logger.warn('publishNotification failed', { error: error as Error, userId: n.userId });
        }
      });
    } while (startKey);

    await setMarker(table, streamId, { state: 'DONE', followers, finishedAt: new Date().toISOString() });
    logger.info('go-live alerts sent', { streamId, followers });
    return { status: 'SENT', followers };
  } catch (error) {
    await setMarker(table, streamId, { state: 'RELEASED' }).catch(() => undefined);
    throw error;
  }
}

/** EventBridge target for Stream Start. */
export async function handler(event: GoLiveEvent): Promise<FanoutResult> {
  if (event.detail?.event_name !== 'Stream Start') return { status: 'ALREADY_SENT', followers: 0 };
  return fanOut(event);
}
