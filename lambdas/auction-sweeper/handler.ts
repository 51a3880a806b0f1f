/**
 * Every minute (EventBridge schedule): closes auctions whose endsAt passed — GSI2 `AUCTIONS_OPEN`
 * with GSI2SK <= now — through the same conditional transaction as Mutation.closeAuction (status
 * still AUCTION_OPEN and bidCount unchanged since the read, so a late bid or an owner close wins
 * cleanly), then publishes publishAuctionClosed so subscribers hear it. A lost race is skipped:
 * whoever closed it published.
 */
import { GetCommand, QueryCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ddb } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import { observability } from '../shared/logger';
import { publish } from '../shared/appsync-publish';
import { closeOutcome } from '../shared/domain/auctions';
import { newId } from '../shared/domain/ids';
import { buildSale } from '../shared/domain/sales';
import { AUCTIONS_OPEN_PK, productKey, profileKey } from '../shared/domain/keys';

const { logger } = observability('auction-sweeper');

const PUBLISH = `mutation PublishAuctionClosed($input: PublishAuctionClosedInput!) {
  publishAuctionClosed(input: $input) { channelId productId outcome }
}`;

/** What one run did, for logs and tests. */
export interface SweepSummary {
  closed: { productId: string; outcome: 'SOLD' | 'NO_SALE'; saleId?: string }[];
  skipped: string[];
}

async function closeOne(
  table: string,
  productId: string,
  nowMs: number,
): Promise<SweepSummary['closed'][number] | null> {
  const { Item: product } = await ddb.send(
    new GetCommand({ TableName: table, Key: productKey(productId), ConsistentRead: true }),
  );
  if (!product || product.status !== 'AUCTION_OPEN' || Date.parse(product.endsAt as string) > nowMs) return null;
  const outcome = closeOutcome({
    bidCount: product.bidCount ?? 0,
    highBidderId: product.highBidderId,
    currentPrice: product.currentPrice,
  });
  const now = new Date(nowMs).toISOString();
  const condition = {
    ConditionExpression: '#status = :open AND bidCount = :count AND endsAt <= :now',
    ExpressionAttributeNames: { '#status': 'status' },
  };
  if (outcome.outcome === 'NO_SALE') {
    await ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: table,
              Key: productKey(productId),
              UpdateExpression: 'SET #status = :unsold, updatedAt = :now REMOVE GSI2PK, GSI2SK',
              ExpressionAttributeValues: {
                ':unsold': 'UNSOLD',
                ':now': now,
                ':open': 'AUCTION_OPEN',
                ':count': product.bidCount ?? 0,
              },
              ...condition,
            },
          },
        ],
      }),
    );
    return { productId, outcome: 'NO_SALE' };
  }
  const { Item: profile } = await ddb.send(
    new GetCommand({ TableName: table, Key: profileKey(String(product.channelId)) }),
  );
  const saleId = newId('sale');
  const { sale, order } = buildSale({
    saleId,
    orderId: newId('order'),
    kind: 'AUCTION',
    product: { productId, title: product.title, channelId: product.channelId, currency: product.currency },
    buyerId: outcome.buyerId,
    buyerHandle: product.highBidderHandle,
    price: outcome.price,
    soldAtMs: nowMs,
    profile: profile ?? null,
    viewSessionId: product.highBidViewSessionId as string | undefined,
  });
  await ddb.send(
    new TransactWriteCommand({
      TransactItems: [
        {
          Update: {
            TableName: table,
            Key: productKey(productId),
            UpdateExpression: 'SET #status = :sold, saleId = :saleId, updatedAt = :now REMOVE GSI2PK, GSI2SK',
            ExpressionAttributeValues: {
              ':sold': 'SOLD',
              ':saleId': saleId,
              ':now': now,
              ':open': 'AUCTION_OPEN',
              ':count': product.bidCount,
            },
            ...condition,
          },
        },
        { Put: { TableName: table, Item: sale, ConditionExpression: 'attribute_not_exists(PK)' } },
        { Put: { TableName: table, Item: order, ConditionExpression: 'attribute_not_exists(PK)' } },
      ],
    }),
  );
  return { productId, outcome: 'SOLD', saleId };
}

/** Scheduled entry point. */
export async function handler(): Promise<SweepSummary> {
  const table = requireEnv(ENV.TABLE_NAME);
  const nowMs = Date.now();
  const summary: SweepSummary = { closed: [], skipped: [] };
  let startKey: Record<string, unknown> | undefined;
  do {
    const page = await ddb.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'GSI2',
        KeyConditionExpression: 'GSI2PK = :open AND GSI2SK <= :now',
        ExpressionAttributeValues: { ':open': AUCTIONS_OPEN_PK, ':now': new Date(nowMs).toISOString() },
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const productId = item.productId as string;
      try {
        const closed = await closeOne(table, productId, nowMs);
        if (!closed) {
          summary.skipped.push(productId);
          continue;
        }
        summary.closed.push(closed);
        await publish(PUBLISH, {
          input: { channelId: item.channelId, productId, outcome: closed.outcome, saleId: closed.saleId ?? null },
        }).catch((err: unknown) =>
          // The close is committed; a lost event only delays viewers until they refetch.
          logger.error('publishAuctionClosed failed', { productId, error: err as Error }),
        );
      } catch (err) {
        if (err instanceof TransactionCanceledException) {
          // A bid, the owner or another sweep got there first; the next run re-reads it.
          logger.info('auction changed while closing', { productId, reasons: err.CancellationReasons });
          summary.skipped.push(productId);
          continue;
        }
        throw err;
      }
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey);
  logger.info('sweep done', { closed: summary.closed.length, skipped: summary.skipped.length });
  return summary;
}
