/**
 * Pipeline step of buyNow: one TransactWriteItems marks the product SOLD (conditioned on not
 * sold and a buy-now sale mode), puts the Sale (stream, recording, offset from the profile read
 * before) and the buyer's Order. Concurrent buyers: exactly one transaction commits; the others
 * fail the product condition and get ALREADY_SOLD.
 */
import { util, type Context, type DynamoDBTransactWriteItemsRequest } from '@aws-appsync/utils';
import { idFromUuid } from '../../../../lambdas/shared/domain/ids';
import { productKey, requireUser, saleItems, saleView, type Item } from '../lib/commerce';
import { raiseDataSourceError } from '../lib/errors';

export function request(ctx: Context): DynamoDBTransactWriteItemsRequest {
  const me = requireUser(ctx);
  const product = ctx.stash.product as Item;
  if (product.saleMode === 'AUCTION' || !product.buyNowPrice) {
    util.error('This product is auction-only', 'VALIDATION', null, { field: 'saleMode' });
  }
  if (product.status === 'SOLD' || product.status === 'UNSOLD') {
    util.error('Already sold', 'ALREADY_SOLD');
  }
  if (product.channelId === me.sub) {
    util.error('Sellers cannot buy their own products', 'NOT_OWNER');
  }
  const soldAtMs = util.time.nowEpochMilliSeconds();
  const soldAt = util.time.epochMilliSecondsToISO8601(soldAtMs);
  const saleId = idFromUuid('sal', util.autoId());
  const table = ctx.env.TABLE_NAME as string;
  const built = saleItems(table, {
    saleId, orderId: idFromUuid('ord', util.autoId()), kind: 'BUY_NOW', product, buyerId: me.sub, buyerHandle: me.handle,
    price: product.buyNowPrice, soldAt, soldAtMs, profile: ctx.stash.profile as Record<string, unknown> | null,
  });
  ctx.stash.sale = built.sale;
  return {
    operation: 'TransactWriteItems',
    transactItems: [
      {
        table, operation: 'UpdateItem', key: util.dynamodb.toMapValues(productKey(product.productId)),
        update: {
          expression: 'SET #status = :sold, saleId = :saleId, updatedAt = :now REMOVE GSI2PK, GSI2SK',
          expressionNames: { '#status': 'status' },
          expressionValues: util.dynamodb.toMapValues({ ':sold': 'SOLD', ':saleId': saleId, ':now': soldAt, ':draft': 'DRAFT', ':open': 'AUCTION_OPEN', ':auction': 'AUCTION' }),
        },
        condition: { expression: '#status IN (:draft, :open) AND saleMode <> :auction', expressionNames: { '#status': 'status' } },
      },
      ...built.items,
    ],
  } as unknown as DynamoDBTransactWriteItemsRequest;
}

export function response(ctx: Context): unknown {
  if (ctx.error) {
    const reasons = (ctx.result && ctx.result.cancellationReasons ? ctx.result.cancellationReasons : []) as { type: string }[];
    if (reasons[0] && reasons[0].type === 'ConditionalCheckFailed') {
      util.error('Already sold', 'ALREADY_SOLD');
    }
    if (reasons.some((r) => r.type === 'TransactionConflict')) {
      util.error('Another purchase was in flight; retry', 'CONFLICT');
    }
    raiseDataSourceError(ctx.error);
  }
  return saleView(ctx.stash.sale as Record<string, unknown>);
}
