/**
 * Pipeline step of closeAuction (owner): conditioned on AUCTION_OPEN, either one sale to the high
 * bidder (product SOLD + Sale + Order in one transaction) or NO_SALE (product UNSOLD). The
 * auction-sweeper Lambda applies the same rule (closeOutcome) with the SDK.
 */
import { util, type Context, type DynamoDBTransactWriteItemsRequest } from '@aws-appsync/utils';
import { closeOutcome } from '../../../../lambdas/shared/domain/auctions';
import { idFromUuid } from '../../../../lambdas/shared/domain/ids';
import { requireUser, saleItems, type Item } from '../lib/commerce';
import { failOnError } from '../lib/errors';
import { productKey } from '../../../../lambdas/shared/domain/keys';

export function request(ctx: Context): DynamoDBTransactWriteItemsRequest {
  const me = requireUser(ctx);
  const product = ctx.stash.product as Item;
  if (product.channelId !== me.sub) {
    util.error('Only the channel owner closes auctions', 'NOT_OWNER');
  }
  if (product.status !== 'AUCTION_OPEN') {
    util.error('The auction is not open', 'AUCTION_CLOSED');
  }
  const outcome = closeOutcome({
    bidCount: product.bidCount ?? 0,
    highBidderId: product.highBidderId,
    currentPrice: product.currentPrice,
  });
  const soldAtMs = util.time.nowEpochMilliSeconds();
  const now = util.time.epochMilliSecondsToISO8601(soldAtMs);
  const table = ctx.env.TABLE_NAME as string;
  const condition = {
    expression: '#status = :open AND bidCount = :count',
    expressionNames: { '#status': 'status' },
    expressionValues: util.dynamodb.toMapValues({ ':open': 'AUCTION_OPEN', ':count': product.bidCount ?? 0 }),
  };
  if (outcome.outcome === 'NO_SALE') {
    ctx.stash.closed = { channelId: product.channelId, productId: product.productId, outcome: 'NO_SALE', sale: null };
    return {
      operation: 'TransactWriteItems',
      transactItems: [
        {
          table,
          operation: 'UpdateItem',
          key: util.dynamodb.toMapValues(productKey(product.productId)),
          update: {
            expression: 'SET #status = :unsold, updatedAt = :now REMOVE GSI2PK, GSI2SK',
            expressionNames: { '#status': 'status' },
            expressionValues: util.dynamodb.toMapValues({ ':unsold': 'UNSOLD', ':now': now }),
          },
          condition,
        },
      ],
    } as unknown as DynamoDBTransactWriteItemsRequest;
  }
  const saleId = idFromUuid('sal', util.autoId());
  const built = saleItems(table, {
    saleId,
    orderId: idFromUuid('ord', util.autoId()),
    kind: 'AUCTION',
    product,
    buyerId: outcome.buyerId,
    buyerHandle: product.highBidderHandle,
    price: outcome.price,
    soldAt: now,
    soldAtMs,
    profile: ctx.stash.profile as Record<string, unknown> | null,
  });
  ctx.stash.closed = { channelId: product.channelId, productId: product.productId, outcome: 'SOLD', sale: built.sale };
  return {
    operation: 'TransactWriteItems',
    transactItems: [
      {
        table,
        operation: 'UpdateItem',
        key: util.dynamodb.toMapValues(productKey(product.productId)),
        update: {
          expression: 'SET #status = :sold, saleId = :saleId, updatedAt = :now REMOVE GSI2PK, GSI2SK',
          expressionNames: { '#status': 'status' },
          expressionValues: util.dynamodb.toMapValues({ ':sold': 'SOLD', ':saleId': saleId, ':now': now }),
        },
        condition,
      },
      ...built.items,
    ],
  } as unknown as DynamoDBTransactWriteItemsRequest;
}

export function response(ctx: Context): unknown {
  if (ctx.error) {
    const reasons = (ctx.result && ctx.result.cancellationReasons ? ctx.result.cancellationReasons : []) as {
      type: string;
    }[];
    if (reasons[0] && reasons[0].type === 'ConditionalCheckFailed') {
      util.error('The auction closed or took a bid meanwhile; retry', 'AUCTION_CLOSED');
    }
    failOnError(ctx);
  }
  return ctx.stash.closed;
}
