/**
 * Pipeline step of startAuction: DRAFT → AUCTION_OPEN with endsAt, listed in GSI2 AUCTIONS_OPEN for
 * the sweeper. Also copies the channel's bans (stash.bannedIds from loadBans) into `bannedBidders`,
 * which placeBid checks on the product it reads and in its write's condition.
 */
import { util, type Context, type DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import { productView, requireUser, type Item } from '../lib/commerce';
import { failOnError } from '../lib/errors';
import { productKey } from '../../../../lambdas/shared/domain/keys';

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
  const values: Record<string, unknown> = {
    ':open': 'AUCTION_OPEN',
    ':endsAt': endsAt,
    ':now': util.time.epochMilliSecondsToISO8601(nowMs),
    ':gsi': 'AUCTIONS_OPEN',
    ':draft': 'DRAFT',
    ':me': me.sub,
  };
  let expression = 'SET #status = :open, endsAt = :endsAt, updatedAt = :now, GSI2PK = :gsi, GSI2SK = :endsAt';
  const banned = (ctx.stash.bannedIds ?? []) as string[];
  const expressionValues = util.dynamodb.toMapValues(values) as Record<string, unknown>;
  if (banned.length) {
    expressionValues[':banned'] = util.dynamodb.toStringSet(banned);
    expression += ' ADD bannedBidders :banned';
  }
  return {
    operation: 'UpdateItem',
    key: util.dynamodb.toMapValues(productKey(product.productId)),
    update: { expression, expressionNames: { '#status': 'status' }, expressionValues },
    condition: { expression: '#status = :draft AND channelId = :me', expressionNames: { '#status': 'status' } },
  };
}

export function response(ctx: Context): unknown {
  if (ctx.error && ctx.error.type === 'DynamoDB:ConditionalCheckFailedException') {
    util.error('The product was sold or its auction already started', 'AUCTION_CLOSED');
  }
  failOnError(ctx);
  return productView(ctx.result);
}
