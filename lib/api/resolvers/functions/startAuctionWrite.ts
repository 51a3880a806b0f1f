/** Pipeline step of startAuction: DRAFT → AUCTION_OPEN with endsAt, listed in GSI2 AUCTIONS_OPEN for the sweeper. */
import { util, type Context, type DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import { productKey, productView, requireUser, type Item } from '../lib/commerce';

export function request(ctx: Context): DynamoDBUpdateItemRequest {
  const me = requireUser(ctx);
  const product = ctx.stash.product as Item;
  if (product.channelId !== me.sub) {
    util.error('Only the channel owner starts auctions', 'NOT_OWNER');
  }
  if (product.saleMode === 'BUY_NOW') {
    util.error('This product is buy-now only', 'VALIDATION', null, { field: 'saleMode' });
  }
  if (product.status !== 'DRAFT') {
    util.error('The auction already ran', 'AUCTION_CLOSED');
  }
  const nowMs = util.time.nowEpochMilliSeconds();
  const endsAt = util.time.epochMilliSecondsToISO8601(nowMs + (product.durationSeconds as number) * 1000);
  return {
    operation: 'UpdateItem',
    key: util.dynamodb.toMapValues(productKey(product.productId)),
    update: {
      expression: 'SET #status = :open, endsAt = :endsAt, updatedAt = :now, GSI2PK = :gsi, GSI2SK = :endsAt',
      expressionNames: { '#status': 'status' },
      expressionValues: util.dynamodb.toMapValues({ ':open': 'AUCTION_OPEN', ':endsAt': endsAt, ':now': util.time.epochMilliSecondsToISO8601(nowMs), ':gsi': 'AUCTIONS_OPEN', ':draft': 'DRAFT', ':me': me.sub }),
    },
    condition: { expression: '#status = :draft AND channelId = :me', expressionNames: { '#status': 'status' } },
  };
}

export function response(ctx: Context): unknown {
  if (ctx.error && ctx.error.type === 'DynamoDB:ConditionalCheckFailedException') {
    util.error('The product was sold or its auction already started', 'AUCTION_CLOSED');
  }
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  return productView(ctx.result);
}
