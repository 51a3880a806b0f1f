/**
 * Main table stream (NEW_AND_OLD_IMAGES) → the commerce side effects placeBid leaves out of its
 * single conditional write (docs/commerce.md):
 * - a product modification that raised bidCount → the bid history item `PRODUCT#<p>/BID#<bidId>`
 *   (Product.bids, myBids, retried-bid lookup), built from the product's `lastBid` and the values
 *   DynamoDB computed in that write. Every accepted bid is exactly one such modification, so the
 *   history is complete; redelivered records rewrite the same item (idempotent). A bid id reused
 *   for a second accepted bid (a client bug) is kept under `BID#<bidId>#<bidCount>`, never lost.
 * - the newest product image of a batch, once the batch's history items are written → its id
 *   buckets below the one under its newest bid are removed and `bidBucketFloor` raised
 *   (consumerBucketTrim; placeBid answers a refused bid from the item while its bucket is there,
 *   from history below the floor: retryStatus). Those buckets are never written again, so the
 *   trim needs no head check; a floor already as high means another record did it.
 * - a ban item `CHANNEL#<c>/BAN#<u>` inserted/removed → `bannedBidders` ADD/DELETE on the
 *   channel's products that are not finished (DRAFT, AUCTION_OPEN), which placeBid's condition reads.
 * Reports partial batch failures so one failing record does not replay the rest.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { ddb as sharedDdb } from '../shared/clients';
import { mapLimit } from '../shared/domain/alerts';
import { consumerBucketTrim, placedFromProduct, removeClause, type LastBid } from '../shared/domain/auctions';
import { ENV, requireEnv } from '../shared/env';
import { observability } from '../shared/logger';
import { imageOf, type Image } from '../shared/stream-image';

const { logger } = observability('bid-history');

/** The history item of the bid recorded by a product image (its `lastBid`). */
export function bidHistoryItem(product: Image): Record<string, unknown> {
  const placed = placedFromProduct(product as Parameters<typeof placedFromProduct>[0]);
  const last = product.lastBid as LastBid;
  return {
    PK: `PRODUCT#${String(product.productId)}`, SK: `BID#${last.bidId}`, type: 'Bid', bidId: last.bidId, productId: product.productId,
    channelId: product.channelId, bidderId: last.bidderId, bidderHandle: last.bidderHandle, amount: last.amount, currency: product.currency,
    placedAt: last.placedAt, bidSeq: product.bidCount, placed,
    GSI1PK: `USER#${last.bidderId}#BIDS`, GSI1SK: last.placedAt, GSI2PK: `PRODUCT#${String(product.productId)}#BIDS`, GSI2SK: `${last.placedAt}#${last.bidId}`,
  };
}

async function recordBid(ddb: DynamoDBDocumentClient, table: string, product: Image): Promise<void> {
  const item = bidHistoryItem(product);
  try {
    // New, or the same bid again (a redelivered record): never another bid under this id.
    await ddb.send(new PutCommand({
      TableName: table, Item: item,
      ConditionExpression: 'attribute_not_exists(PK) OR (bidSeq = :seq)', ExpressionAttributeValues: { ':seq': item.bidSeq },
    }));
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
    await ddb.send(new PutCommand({ TableName: table, Item: { ...item, SK: `BID#${String(item.bidId)}#${String(item.bidSeq)}` } }));
  }
}

async function trimBidIdBuckets(ddb: DynamoDBDocumentClient, table: string, product: Image): Promise<void> {
  const trim = consumerBucketTrim(product);
  if (!trim) return;
  const remove = removeClause(trim.remove, 'b');
  try {
    await ddb.send(new UpdateCommand({
      TableName: table, Key: { PK: product.PK, SK: product.SK },
      UpdateExpression: `${remove.expression} SET bidBucketFloor = :floor`,
      ConditionExpression: 'attribute_exists(PK) AND (attribute_not_exists(bidBucketFloor) OR bidBucketFloor < :floor)',
      ExpressionAttributeNames: remove.names, ExpressionAttributeValues: { ':floor': trim.floor },
    }));
  } catch (err) {
    if (!(err instanceof ConditionalCheckFailedException)) throw err;
  }
}

async function applyBan(ddb: DynamoDBDocumentClient, table: string, channelId: string, userId: string, banned: boolean): Promise<void> {
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(new QueryCommand({
      TableName: table, IndexName: 'GSI1', KeyConditionExpression: 'GSI1PK = :pk',
      FilterExpression: '#status IN (:draft, :open)', ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':pk': `CHANNEL#${channelId}#PRODUCTS`, ':draft': 'DRAFT', ':open': 'AUCTION_OPEN' },
      ProjectionExpression: 'PK, SK', ExclusiveStartKey: start,
    }));
    for (const p of page.Items ?? []) {
      await ddb.send(new UpdateCommand({
        TableName: table, Key: { PK: p.PK, SK: p.SK },
        UpdateExpression: banned ? 'ADD bannedBidders :u' : 'DELETE bannedBidders :u',
        ConditionExpression: 'attribute_exists(PK)', ExpressionAttributeValues: { ':u': new Set([userId]) },
      })).catch((err: unknown) => {
        if (!(err instanceof ConditionalCheckFailedException)) throw err;
      });
    }
    start = page.LastEvaluatedKey;
  } while (start);
}

type Work =
  | { kind: 'bid'; index: number; image: Image }
  | { kind: 'ban'; index: number; channelId: string; userId: string; banned: boolean };

/** What one record asks for: a history item (and a product image to trim), or a ban to apply. */
function classify(record: DynamoDBRecord, index: number): Work | undefined {
  const keys = imageOf(record.dynamodb?.Keys) ?? {};
  const pk = String(keys.PK ?? '');
  const sk = String(keys.SK ?? '');
  if (pk.startsWith('PRODUCT#') && sk === 'PRODUCT' && record.eventName === 'MODIFY') {
    const next = imageOf(record.dynamodb?.NewImage);
    const prev = imageOf(record.dynamodb?.OldImage);
    const isBid = Boolean(next?.lastBid) && Number(next?.bidCount ?? 0) > Number(prev?.bidCount ?? 0);
    return isBid && next ? { kind: 'bid', index, image: next } : undefined;
  }
  if (pk.startsWith('CHANNEL#') && sk.startsWith('BAN#') && (record.eventName === 'INSERT' || record.eventName === 'REMOVE')) {
    return { kind: 'ban', index, channelId: pk.slice('CHANNEL#'.length), userId: sk.slice('BAN#'.length), banned: record.eventName === 'INSERT' };
  }
  return undefined;
}

/** History puts of one batch in flight at once (independent items). */
const PUT_CONCURRENCY = 32;

/**
 * One batch, in three steps: the history items of every bid (in parallel: independent items);
 * then, once they are all written, one bucket trim per product from its newest bid image in the
 * batch (every bid in it has its history item by then: records come in order); ban changes in
 * order. A failure reports its record and everything after it for retry (each step is
 * idempotent), and skips the trims.
 */
export async function handleRecords(ddb: DynamoDBDocumentClient, table: string, records: DynamoDBRecord[]): Promise<DynamoDBBatchResponse> {
  let failedAt = records.length;
  const fail = (index: number, err: unknown): void => {
    logger.error('stream record failed', { error: err as Error, sequenceNumber: records[index]?.dynamodb?.SequenceNumber });
    failedAt = Math.min(failedAt, index);
  };
  const bids: Extract<Work, { kind: 'bid' }>[] = [];
  const bans: Extract<Work, { kind: 'ban' }>[] = [];
  const newest = new Map<string, { index: number; image: Image }>();
  records.forEach((record, index) => {
    const work = classify(record, index);
    if (work?.kind === 'bid') {
      bids.push(work);
      newest.set(String(work.image.PK), work);
    }
    if (work?.kind === 'ban') bans.push(work);
  });
  await mapLimit(bids, PUT_CONCURRENCY, (b) => recordBid(ddb, table, b.image).catch((err: unknown) => fail(b.index, err)));
  if (failedAt === records.length) {
    for (const { index, image } of newest.values()) await trimBidIdBuckets(ddb, table, image).catch((err: unknown) => fail(index, err));
  }
  for (const ban of bans) {
    await applyBan(ddb, table, ban.channelId, ban.userId, ban.banned).catch((err: unknown) => fail(ban.index, err));
  }
  return { batchItemFailures: records.slice(failedAt).map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })) };
}

export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const result = await handleRecords(sharedDdb, requireEnv(ENV.TABLE_NAME), event.Records);
  if (result.batchItemFailures.length) logger.warn('records failed', { failed: result.batchItemFailures.length });
  return result;
};
