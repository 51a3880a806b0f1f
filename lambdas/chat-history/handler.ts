/**
 * The chat log's subscriber: IVS Chat logs every message and event of a room to the chat log group
 * (the rooms' logging configuration), and CloudWatch Logs hands each batch to this function. It
 * keeps the recent messages of each channel with a TTL (Query.chatHistory reads them) and applies
 * deletions. The review handler's 200 ms path writes nothing for this: history arrives here
 * asynchronously, about 10 s behind the room in AWS (the logging propagation delay).
 *
 * Retries are safe: a message is a put of the same item, a deletion an update of it.
 */
import { gunzipSync } from 'node:zlib';
import { BatchWriteCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { CloudWatchLogsDecodedData, CloudWatchLogsEvent } from 'aws-lambda';
import { ddb } from '../shared/ddb';
import { ENV, requireEnv } from '../shared/env';
import { observability } from '../shared/logger';
import { historyExpiry, type ChatHistoryMessage } from '../shared/domain/chat-history';
import { parseChatLogRecord, roomIdOfLogStream } from './log-record';
import { chatHistoryKey, chatLogPartition, roomIndexKey } from '../shared/domain/keys';

const { logger } = observability('chat-history');
/** How far back (newest first) a deletion looks for its message; older ones are out of the history's window anyway. */
const DELETE_LOOKBACK = 200;
const channelByRoom = new Map<string, string>();

/** The channel of a room (the ChatSettings item is indexed by room ARN, as the review handler reads it). */
async function channelOfRoom(table: string, roomArn: string): Promise<string | undefined> {
  const known = channelByRoom.get(roomArn);
  if (known) return known;
  const { GSI1PK, GSI1SK } = roomIndexKey(roomArn);
  const { Items } = await ddb.send(
    new QueryCommand({
      TableName: table,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk AND GSI1SK = :sk',
      ExpressionAttributeValues: { ':pk': GSI1PK, ':sk': GSI1SK },
      Limit: 1,
    }),
  );
  const channelId = Items?.[0]?.channelId as string | undefined;
  if (channelId) channelByRoom.set(roomArn, channelId);
  return channelId;
}

/** A message to keep, with the SendTime it sorts by (finer than `sentAt`). */
type Keep = { message: ChatHistoryMessage; sendTime: string };

async function putAll(table: string, messages: Keep[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 25) {
    let requests: Record<string, unknown>[] = messages.slice(i, i + 25).map(({ message: m, sendTime }) => ({
      PutRequest: {
        Item: {
          ...chatHistoryKey(m.channelId, sendTime, m.messageId),
          type: 'ChatMessage',
          ...m,
          expiresAt: historyExpiry(m.sentAt),
        },
      },
    }));
    for (let attempt = 0; requests.length; attempt++) {
      if (attempt === 5) throw new Error(`chat history: ${requests.length} messages left unwritten after retries`);
      const { UnprocessedItems } = await ddb.send(new BatchWriteCommand({ RequestItems: { [table]: requests } }));
      requests = (UnprocessedItems?.[table] ?? []) as Record<string, unknown>[];
      if (requests.length) await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
    }
  }
}

async function markDeleted(table: string, channelId: string, messageId: string, reason: string): Promise<boolean> {
  const { Items } = await ddb.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': chatLogPartition(channelId), ':id': messageId },
      FilterExpression: 'messageId = :id',
      ScanIndexForward: false,
      Limit: DELETE_LOOKBACK,
      ProjectionExpression: 'PK, SK',
    }),
  );
  const item = Items?.[0];
  if (!item) return false;
  await ddb.send(
    new UpdateCommand({
      TableName: table,
      Key: { PK: item.PK, SK: item.SK },
      UpdateExpression: 'SET deletedReason = :r',
      ConditionExpression: 'attribute_exists(PK)',
      ExpressionAttributeValues: { ':r': reason },
    }),
  );
  return true;
}

/** Decodes a CloudWatch Logs subscription event (base64 gzip JSON). */
export function decodeLogsEvent(event: CloudWatchLogsEvent): CloudWatchLogsDecodedData {
  return JSON.parse(
    gunzipSync(Buffer.from(event.awslogs.data, 'base64')).toString('utf8'),
  ) as CloudWatchLogsDecodedData;
}

export async function handler(event: CloudWatchLogsEvent): Promise<{ stored: number; deleted: number }> {
  const table = requireEnv(ENV.TABLE_NAME);
  const data = decodeLogsEvent(event);
  if (data.messageType !== 'DATA_MESSAGE') return { stored: 0, deleted: 0 };
  const roomId = roomIdOfLogStream(data.logStream);
  const roomArn = roomId ? `arn:aws:ivschat:${requireEnv('AWS_REGION')}:${data.owner}:room/${roomId}` : undefined;
  let pending: Keep[] = [];
  let stored = 0;
  let deleted = 0;
  // In log order: a message is written before a later deletion of it looks for it.
  for (const logEvent of data.logEvents) {
    const change = parseChatLogRecord(logEvent.message);
    if (!change) continue;
    const channelId =
      change.kind === 'message' && change.channelId
        ? change.channelId
        : roomArn
          ? await channelOfRoom(table, roomArn)
          : undefined;
    if (!channelId) {
      logger.warn('chat log record of an unknown room skipped', { logStream: data.logStream, id: logEvent.id });
      continue;
    }
    if (change.kind === 'message') {
      pending.push({ message: { ...change.message, channelId }, sendTime: change.sendTime });
      continue;
    }
    await putAll(table, pending);
    stored += pending.length;
    pending = [];
    if (await markDeleted(table, channelId, change.messageId, change.reason)) deleted += 1;
  }
  await putAll(table, pending);
  stored += pending.length;
  return { stored, deleted };
}
