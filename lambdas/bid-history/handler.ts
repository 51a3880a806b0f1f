/**
 * Main table stream (NEW_AND_OLD_IMAGES) → the commerce side effects placeBid leaves out of its
 * single conditional write (docs/commerce.md):
 * - a product modification that raised bidCount → the bid history item `PRODUCT#<p>/BID#<bidId>`
 *   (Product.bids, myBids, retried-bid lookup), built from the product's `lastBid` and the values
 *   DynamoDB computed in that write. Every accepted bid is exactly one such modification, so the
 *   history is complete; redelivered records rewrite the same item (idempotent). A bid id reused
 *   for a second accepted bid (a client bug) is kept under `BID#<bidId>#<bidCount>`, never lost.
 * - any product image whose `recentBidIds` holds more than RECENT_BIDS_TRIM_AT ids → its head is
 *   removed down to RECENT_BIDS_KEPT (those bids' history items are written by now: records come
 *   in order), conditioned on the head being unchanged (appends only touch the tail), and
 *   `trimmedPrice` raised to the newest dropped bid's amount (placeBid answers a refused bid above
 *   it without reading history: retryStatus). A trim's own record carries the current list, so
 *   trims catch up even when earlier images were stale.
 * - a ban item `CHANNEL#<c>/BAN#<u>` inserted/removed → `bannedBidders` ADD/DELETE on the
 *   channel's products that are not finished (DRAFT, AUCTION_OPEN), which placeBid's condition reads.
 * Reports partial batch failures so one failing record does not replay the rest.
 */
import { ConditionalCheckFailedException, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { ddb as sharedDdb } from '../shared/clients';
import { placedFromProduct, RECENT_BIDS_KEPT, RECENT_BIDS_TRIM_AT, type LastBid } from '../shared/domain/auctions';
import { ENV, requireEnv } from '../shared/env';
import { observability } from '../shared/logger';

const { logger } = observability('bid-history');

type Image = Record<string, unknown>;

/** An empty list/map can reach us as `{}` (SDK stream deserialisation): read it as absent. */
function clean(raw: Record<string, AttributeValue>): Record<string, AttributeValue> {
  const out: Record<string, AttributeValue> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (!v || !Object.keys(v).length) continue;
    out[k] = v.M ? { M: clean(v.M) } : v;
  }
  return out;
}

const imageOf = (raw: Record<string, AttributeValue> | undefined): Image | undefined => (raw ? (unmarshall(clean(raw)) as Image) : undefined);

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

/**
 * The amount of the accepted bid under `bidId` (the highest, if a buggy client reused the id), from
 * its history item; the product's current price when none is found (an upper bound, always safe).
 */
async function acceptedAmount(ddb: DynamoDBDocumentClient, table: string, product: Image, bidId: string): Promise<number> {
  const page = await ddb.send(new QueryCommand({
    TableName: table, ConsistentRead: true, KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sk)', FilterExpression: 'bidId = :id',
    ExpressionAttributeValues: { ':pk': product.PK, ':sk': `BID#${bidId}`, ':id': bidId }, ProjectionExpression: 'amount',
  }));
  const amounts = (page.Items ?? []).map((i) => Number(i.amount));
  return amounts.length ? Math.max(...amounts) : Number(product.currentPrice ?? 0);
}

async function trimRecentBidIds(ddb: DynamoDBDocumentClient, table: string, product: Image): Promise<void> {
  const ids = (product.recentBidIds ?? []) as string[];
  if (ids.length <= RECENT_BIDS_TRIM_AT) return;
  // At most 200 ids a write (expression size); a longer list is trimmed again from this trim's record.
  const drop = Math.min(ids.length - RECENT_BIDS_KEPT, 200);
  const trimmedPrice = await acceptedAmount(ddb, table, product, ids[drop - 1] as string);
  try {
    await ddb.send(new UpdateCommand({
      TableName: table, Key: { PK: product.PK, SK: product.SK },
      UpdateExpression: `REMOVE ${Array.from({ length: drop }, (_, i) => `#r[${i}]`).join(', ')} SET trimmedPrice = :trimmed`,
      ConditionExpression: '#r[0] = :first AND (attribute_not_exists(trimmedPrice) OR trimmedPrice <= :trimmed)',
      ExpressionAttributeNames: { '#r': 'recentBidIds' }, ExpressionAttributeValues: { ':first': ids[0], ':trimmed': trimmedPrice },
    }));
  } catch (err) {
    // Trimmed already (a redelivered record, or the exact path rewrote the list).
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

/** Handles one stream record (exported for tests and the local stream driver). */
export async function handleRecord(ddb: DynamoDBDocumentClient, table: string, record: DynamoDBRecord): Promise<void> {
  const keys = imageOf(record.dynamodb?.Keys as Record<string, AttributeValue> | undefined) ?? {};
  const pk = String(keys.PK ?? '');
  const sk = String(keys.SK ?? '');
  if (pk.startsWith('PRODUCT#') && sk === 'PRODUCT' && record.eventName === 'MODIFY') {
    const next = imageOf(record.dynamodb?.NewImage as Record<string, AttributeValue> | undefined);
    const prev = imageOf(record.dynamodb?.OldImage as Record<string, AttributeValue> | undefined);
    if (next?.lastBid && Number(next.bidCount ?? 0) > Number(prev?.bidCount ?? 0)) await recordBid(ddb, table, next);
    // Any product image (a trim's own record included): every id in it belongs to a bid whose
    // record came earlier or is this one, so its history item exists. Stale images fail the head check.
    if (next) await trimRecentBidIds(ddb, table, next);
  } else if (pk.startsWith('CHANNEL#') && sk.startsWith('BAN#') && (record.eventName === 'INSERT' || record.eventName === 'REMOVE')) {
    await applyBan(ddb, table, pk.slice('CHANNEL#'.length), sk.slice('BAN#'.length), record.eventName === 'INSERT');
  }
}

/** Records in order; the first failure and everything after it are reported for retry. */
export async function handleRecords(ddb: DynamoDBDocumentClient, table: string, records: DynamoDBRecord[]): Promise<DynamoDBBatchResponse> {
  for (let i = 0; i < records.length; i++) {
    try {
      await handleRecord(ddb, table, records[i] as DynamoDBRecord);
    } catch (err) {
      logger.error('stream record failed', { error: err as Error, sequenceNumber: records[i]?.dynamodb?.SequenceNumber });
      return { batchItemFailures: records.slice(i).map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })) };
    }
  }
  return { batchItemFailures: [] };
}

export const handler = async (event: DynamoDBStreamEvent): Promise<DynamoDBBatchResponse> => {
  const result = await handleRecords(sharedDdb, requireEnv(ENV.TABLE_NAME), event.Records);
  if (result.batchItemFailures.length) logger.warn('records failed', { failed: result.batchItemFailures.length });
  return result;
};
