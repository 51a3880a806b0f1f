/**
 * Pipeline step of placeBid (exact path only): the bid already stored under the client's bidId,
 * when the bid may be a retry. The product itself comes from placeBidFast's refused write (AppSync
 * hands the current item to its response handler). Skipped when placeBidFast placed the bid, or
 * knows from the product that the bid is no retry (retryStatus 'never').
 */
import { runtime, util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { bidKey, failOnError } from '../lib/commerce';

export function request(ctx: Context<{ input: { productId: string; bidId: string } }>): DynamoDBGetItemRequest {
  if (ctx.stash.placed) {
    runtime.earlyReturn(ctx.stash.placed);
  }
  if (!ctx.stash.mayBeRetry) {
    runtime.earlyReturn(null);
  }
  const { productId, bidId } = ctx.args.input;
  return { operation: 'GetItem', key: util.dynamodb.toMapValues(bidKey(productId, bidId)), consistentRead: true };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  ctx.stash.existingBid = ctx.result ?? null;
  return ctx.result ?? null;
}
