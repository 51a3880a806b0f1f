/**
 * Main table stream (NEW_AND_OLD_IMAGES) → the commerce side effects placeBid leaves out of its
 * single conditional write (docs/commerce.md):
 * - a product modification that raised bidCount → the bid history item `PRODUCT#<p>/BID#<bidId>`
 *   (Product.bids, myBids, retried-bid lookup), built from the product's `lastBid` and the values
 *   DynamoDB computed in that write. Every accepted bid is exactly one such modification, so the
 *   history is complete; redelivered records rewrite the same item (idempotent). A bid id reused
 *   for a second accepted bid (a client bug) is kept under `BID#<bidId>#<bidCount>`, never lost.
 * - a product's newest image in a batch, once every bid of that product in the batch is written → its id
 *   buckets below the one under its newest bid are removed and `bidBucketFloor` raised
 *   (consumerBucketTrim; placeBid answers a refused bid from the item while its bucket is there,
 *   from history below the floor: retryStatus). Those buckets are never written again, so the
 *   trim needs no head check; a floor already as high means another record did it.
 * - a ban item `CHANNEL#<c>/BAN#<u>` inserted/removed → `bannedBidders` ADD/DELETE on the
 *   channel's products that are not finished (DRAFT, AUCTION_OPEN), which placeBid's condition reads.
 * Reports partial batch failures (Powertools batch) so one failing record neither blocks the shard
 * nor fails the good records beside it; see handleRecords for what a failure holds back.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { ddb as sharedDdb } from '../shared/clients';
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
  | { kind: 'bid'; image: Image }
  | { kind: 'ban'; channelId: string; userId: string; banned: boolean };

/** What one record asks for: a history item (and a product image to trim), or a ban to apply. */
function classify(record: DynamoDBRecord): Work | undefined {
  const keys = imageOf(record.dynamodb?.Keys) ?? {};
  const pk = String(keys.PK ?? '');
  const sk = String(keys.SK ?? '');
  if (pk.startsWith('PRODUCT#') && sk === 'PRODUCT' && record.eventName === 'MODIFY') {
    const next = imageOf(record.dynamodb?.NewImage);
    const prev = imageOf(record.dynamodb?.OldImage);
    const isBid = Boolean(next?.lastBid) && Number(next?.bidCount ?? 0) > Number(prev?.bidCount ?? 0);
    return isBid && next ? { kind: 'bid', image: next } : undefined;
  }
  if (pk.startsWith('CHANNEL#') && sk.startsWith('BAN#') && (record.eventName === 'INSERT' || record.eventName === 'REMOVE')) {
    return { kind: 'ban', channelId: pk.slice('CHANNEL#'.length), userId: sk.slice('BAN#'.length), banned: record.eventName === 'INSERT' };
  }
  return undefined;
}

/** A ban record not applied because an earlier record for the same channel and user failed (order decides the outcome). */
export class EarlierBanFailedError extends Error {
  override readonly name = 'EarlierBanFailedError';
}

const sequenceOf = (record: DynamoDBRecord): string => record.dynamodb?.SequenceNumber ?? '';

/**
 * One batch through Powertools' BatchProcessor, so each record succeeds or fails on its own:
 * - bid records: the history puts run in parallel (independent items);
 * - ban records: in stream order per channel and user (an unban must not overtake its ban); a
 *   record whose predecessor failed fails too, without being applied;
 * - then, per product, one bucket trim from its newest bid image in the batch, only if every bid
 *   record of that product in the batch was written (records come in order, so all its earlier
 *   bids were written by earlier batches); a failed trim fails that newest record.
 * Every failed record is reported; Lambda checkpoints at the lowest reported sequence number and
 * redelivers from there (AWS: "services-ddb-batchfailurereporting": with several items it uses the
 * lowest sequence number as the checkpoint and retries all records from it; with bisect-on-error it
 * splits the batch at that record). The records after it that had succeeded run again: every step
 * is idempotent. After the retries the mapping sends the failed range to the on-failure queue and
 * the shard moves on, so one poisoned record costs its retries, never the shard.
 */
export async function handleRecords(ddb: DynamoDBDocumentClient, table: string, records: DynamoDBRecord[]): Promise<DynamoDBBatchResponse> {
  const work = new Map<DynamoDBRecord, Work>();
  const previousBan = new Map<DynamoDBRecord, DynamoDBRecord>();
  const lastBanOf = new Map<string, DynamoDBRecord>();
  const newestBid = new Map<string, { record: DynamoDBRecord; image: Image }>();
  for (const record of records) {
    const w = classify(record);
    if (!w) continue;
    work.set(record, w);
    if (w.kind === 'bid') newestBid.set(String(w.image.PK), { record, image: w.image });
    if (w.kind === 'ban') {
      const key = `${w.channelId}/${w.userId}`;
      const before = lastBanOf.get(key);
      if (before) previousBan.set(record, before);
      lastBanOf.set(key, record);
    }
  }

  const bans = new Map<DynamoDBRecord, Promise<void>>();
  const ban = (record: DynamoDBRecord): Promise<void> => {
    let done = bans.get(record);
    if (!done) {
      const w = work.get(record) as Extract<Work, { kind: 'ban' }>;
      const before = previousBan.get(record);
      const ready = before
        ? ban(before).catch(() => {
          throw new EarlierBanFailedError(`ban record ${sequenceOf(before)} for ${w.channelId}/${w.userId} failed; ${sequenceOf(record)} waits for it`);
        })
        : Promise.resolve();
      done = ready.then(() => applyBan(ddb, table, w.channelId, w.userId, w.banned));
      bans.set(record, done);
    }
    return done;
  };

  // One processor per call, not per module: the local mode and the tests run batches concurrently in one process.
  const processor = new BatchProcessor(EventType.DynamoDBStreams, { logger });
  const result = await processPartialResponse({ Records: records }, async (record: DynamoDBRecord) => {
    const w = work.get(record);
    if (w?.kind === 'bid') await recordBid(ddb, table, w.image);
    else if (w?.kind === 'ban') await ban(record);
  }, processor, { throwOnFullBatchFailure: false });
  // The response names every failure, even when all records failed: the caller gets one shape.

  const failed = new Set(processor.failureMessages as DynamoDBRecord[]);
  for (const [index, error] of processor.errors.entries()) {
    logger.error('stream record failed', { error, sequenceNumber: sequenceOf(processor.failureMessages[index] as DynamoDBRecord) });
  }
  const productFailed = new Set<string>();
  for (const record of failed) {
    const w = work.get(record);
    if (w?.kind === 'bid') productFailed.add(String(w.image.PK));
  }
  const trimFailures: { itemIdentifier: string }[] = [];
  for (const [pk, { record, image }] of newestBid) {
    if (productFailed.has(pk)) continue;
    try {
      await trimBidIdBuckets(ddb, table, image);
    } catch (error) {
      logger.error('bucket trim failed', { error: error as Error, sequenceNumber: sequenceOf(record) });
      trimFailures.push({ itemIdentifier: sequenceOf(record) });
    }
  }
  return { batchItemFailures: [...result.batchItemFailures, ...trimFailures] };
}

export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const result = await handleRecords(sharedDdb, requireEnv(ENV.TABLE_NAME), event.Records);
  if (result.batchItemFailures.length) logger.warn('records failed', { failed: result.batchItemFailures.length });
  return result;
};
