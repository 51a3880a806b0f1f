/**
 * Pipeline step of buyNow: one TransactWriteItems marks the product SOLD, puts the Sale (stream,
 * recording, offset from the profile read before) and the buyer's Order. Whether the product may
 * be bought is the shared rule (domain/availability.ts, which the product card shows); the write's
 * condition restates it so a close, a sale or the auction's end landing after the read still
 * refuses. Concurrent buyers: exactly one transaction commits; the others get ALREADY_SOLD.
 */
import { util, type Context, type DynamoDBTransactWriteItemsRequest } from '@aws-appsync/utils';
import { buyNowRefusal } from '../../../../lambdas/shared/domain/availability';
import { idFromUuid } from '../../../../lambdas/shared/domain/ids';
import { requireUser, saleItems, saleView, type Item } from '../lib/commerce';
import { failOnError } from '../lib/errors';
import { productKey } from '../../../../lambdas/shared/domain/keys';

export function request(ctx: Context): DynamoDBTransactWriteItemsRequest {
  const me = requireUser(ctx);
  const product = ctx.stash.product as Item;
  const soldAtMs = util.time.nowEpochMilliSeconds();
  const endsAtMs = product.endsAt ? util.time.parseISO8601ToEpochMilliSeconds(product.endsAt as string) : null;
  const refusal = buyNowRefusal(
    {
      status: product.status as string,
      saleMode: product.saleMode as string,
      buyNowPrice: product.buyNowPrice as number | null,
      endsAtMs,
    },
    soldAtMs,
  );
  if (refusal && refusal.code === 'VALIDATION') {
    util.error(refusal.message, refusal.code, null, { field: 'saleMode' });
  }
  if (refusal) {
    util.error(refusal.message, refusal.code);
  }
  if (product.channelId === me.sub) {
    util.error('Sellers cannot buy their own products', 'NOT_OWNER');
  }
  const soldAt = util.time.epochMilliSecondsToISO8601(soldAtMs);
  const saleId = idFromUuid('sal', util.autoId());
  const table = ctx.env.TABLE_NAME as string;
  const built = saleItems(table, {
    saleId,
    orderId: idFromUuid('ord', util.autoId()),
    kind: 'BUY_NOW',
    product,
    buyerId: me.sub,
    buyerHandle: me.handle,
    price: product.buyNowPrice,
    soldAt,
    soldAtMs,
    profile: ctx.stash.profile as Record<string, unknown> | null,
    viewSessionId: ctx.args.viewSessionId as string | null | undefined,
  });
  ctx.stash.sale = built.sale;
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
          expressionValues: util.dynamodb.toMapValues({
            ':sold': 'SOLD',
            ':saleId': saleId,
            ':now': soldAt,
            ':draft': 'DRAFT',
            ':open': 'AUCTION_OPEN',
            ':buyNowOnly': 'BUY_NOW',
          }),
        },
        condition: {
          expression: '(#status = :draft AND saleMode = :buyNowOnly) OR (#status = :open AND endsAt > :now)',
          expressionNames: { '#status': 'status' },
        },
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
      util.error('Already sold', 'ALREADY_SOLD');
    }
    if (reasons.some((r) => r.type === 'TransactionConflict')) {
      util.error('Another purchase was in flight; retry', 'CONFLICT');
    }
    failOnError(ctx);
  }
  return saleView(ctx.stash.sale as Record<string, unknown>);
}
