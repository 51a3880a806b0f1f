/**
 * Main table stream → the fan-out of accepted gifts and tips (docs/economy.md). The gift's one
 * transaction writes the sender's GIFT_SENT / TIP_SENT ledger entry holding the event; each such
 * insert (the event source mapping's filter lets only these through) is:
 * - published with publishGift, so every onGift(channelId) subscriber sees the animation;
 * - when big (the stage's threshold, decided at pricing), an in-app GIFT notification for the
 *   broadcaster: the Notification item under a deterministic id (a redelivered record rewrites
 *   the same item) and publishNotification.
 * A failed publish fails its record (Powertools batch partial failure), so Lambda retries it:
 * subscribers may see a gift twice after such a retry and drop the repeat by its id.
 */
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { publish } from '../shared/appsync-publish';
import { ddb as sharedDdb } from '../shared/clients';
import type { GiftEvent } from '../shared/domain/economy';
import { derivedId } from '../shared/domain/recordings';
import { notificationKey } from '../shared/domain/keys';
import { ENV, requireEnv } from '../shared/env';
import { observability } from '../shared/logger';
import { imageOf } from '../shared/stream-image';

const { logger } = observability('gift-fanout');

const NOTIFICATION_TTL_SECONDS = 90 * 24 * 3600;

const GIFT_MUTATION = /* GraphQL */ `
  mutation PublishGift($input: PublishGiftInput!) {
    publishGift(input: $input) {
      id
      channelId
      streamId
      kind
      giftId
      giftName
      animation
      count
      coins
      message
      senderId
      senderHandle
      sentAt
      big
      battleId
    }
  }
`;

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

/** The gift event a stream record carries, or undefined for any other record. */
export function giftOf(record: DynamoDBRecord): GiftEvent | undefined {
  if (record.eventName !== 'INSERT') return undefined;
  const image = imageOf(record.dynamodb?.NewImage);
  if (
    !image ||
    image.type !== 'LedgerEntry' ||
    (image.kind !== 'GIFT_SENT' && image.kind !== 'TIP_SENT') ||
    !image.gift
  )
    return undefined;
  return image.gift as GiftEvent;
}

/** The broadcaster's notification of a big gift or tip (deterministic id: one per gift). */
export function bigGiftNotification(gift: GiftEvent): {
  notificationId: string;
  userId: string;
  title: string;
  body: string;
  link: string;
  createdAt: string;
} {
  const what =
    gift.kind === 'TIP'
      ? `a tip of ${gift.coins} coins`
      : `${gift.count > 1 ? `${gift.count} × ` : ''}${gift.giftName ?? 'a gift'} (${gift.coins} coins)`;
  return {
    notificationId: derivedId('ntf', 'gift', gift.id),
    userId: gift.channelId,
    title: `@${gift.senderHandle} sent you ${what}`,
    body: gift.message ? `"${gift.message}"` : 'Thank them on stream while they are watching.',
    link: '/studio',
    createdAt: gift.sentAt,
  };
}

async function fanOut(ddb: DynamoDBDocumentClient, table: string, gift: GiftEvent): Promise<void> {
  await publish(GIFT_MUTATION, { input: gift });
  if (!gift.big) return;
  const n = bigGiftNotification(gift);
  await ddb.send(
    new PutCommand({
      TableName: table,
      Item: {
        ...notificationKey(n.userId, n.createdAt, n.notificationId),
        type: 'Notification',
        ...n,
        kind: 'GIFT',
        read: false,
        updatedAt: n.createdAt,
        expiresAt: Math.floor(Date.parse(n.createdAt) / 1000) + NOTIFICATION_TTL_SECONDS,
      },
    }),
  );
  await publish(NOTIFY_MUTATION, { input: { ...n, kind: 'GIFT' } });
}

/** One batch: each gift record fanned out on its own; failures reported per record (Lambda retries them). */
export async function handleRecords(
  ddb: DynamoDBDocumentClient,
  table: string,
  records: DynamoDBRecord[],
): Promise<DynamoDBBatchResponse> {
  // One processor per call, not per module: the local mode and the tests run batches concurrently in one process.
  const processor = new BatchProcessor(EventType.DynamoDBStreams, { logger });
  const result = await processPartialResponse(
    { Records: records },
    async (record: DynamoDBRecord) => {
      const gift = giftOf(record);
      if (gift) await fanOut(ddb, table, gift);
    },
    processor,
    { throwOnFullBatchFailure: false },
  );
  for (const error of processor.errors) logger.error('gift fan-out failed', { error });
  return result;
}

export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const result = await handleRecords(sharedDdb, requireEnv(ENV.TABLE_NAME), event.Records);
  if (result.batchItemFailures.length) logger.warn('records failed', { failed: result.batchItemFailures.length });
  return result;
};
