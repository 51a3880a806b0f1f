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
 * Reports partial batch failures (Powertools batch) so one failing record neither blocks the shard
 * nor fails the good records beside it; see handleRecords for what a failure holds back.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
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

/** The product image of an accepted bid (its history item to write, its buckets to trim), or undefined. */
function bidImage(record: DynamoDBRecord): Image | undefined {
  const keys = imageOf(record.dynamodb?.Keys) ?? {};
  const pk = String(keys.PK ?? '');
  const sk = String(keys.SK ?? '');
  if (pk.startsWith('PRODUCT#') && sk === 'PRODUCT' && record.eventName === 'MODIFY') {
    const next = imageOf(record.dynamodb?.NewImage);
    const prev = imageOf(record.dynamodb?.OldImage);
    const isBid = Boolean(next?.lastBid) && Number(next?.bidCount ?? 0) > Number(prev?.bidCount ?? 0);
    return isBid && next ? next : undefined;
  }
  return undefined;
}

const sequenceOf = (record: DynamoDBRecord): string => record.dynamodb?.SequenceNumber ?? '';

/**
 * One batch through Powertools' BatchProcessor, so each record succeeds or fails on its own:
 * - bid records: the history puts run in parallel (independent items);
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
  const bids = new Map<DynamoDBRecord, Image>();
  const newestBid = new Map<string, { record: DynamoDBRecord; image: Image }>();
  for (const record of records) {
    const image = bidImage(record);
    if (!image) continue;
    bids.set(record, image);
    newestBid.set(String(image.PK), { record, image });
  }

  // One processor per call, not per module: the local mode and the tests run batches concurrently in one process.
  const processor = new BatchProcessor(EventType.DynamoDBStreams, { logger });
  const result = await processPartialResponse({ Records: records }, async (record: DynamoDBRecord) => {
    const image = bids.get(record);
    if (image) await recordBid(ddb, table, image);
  }, processor, { throwOnFullBatchFailure: false });
  // The response names every failure, even when all records failed: the caller gets one shape.

  const failed = new Set(processor.failureMessages as DynamoDBRecord[]);
  for (const [index, error] of processor.errors.entries()) {
    logger.error('stream record failed', { error, sequenceNumber: sequenceOf(processor.failureMessages[index] as DynamoDBRecord) });
  }
  const productFailed = new Set<string>();
  for (const record of failed) {
    const image = bids.get(record);
    if (image) productFailed.add(String(image.PK));
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
