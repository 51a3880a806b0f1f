/**
 * Pipeline step of placeBid (exact path only): the bid already stored under the client's bidId,
 * when the bid may be a retry. The product itself comes from placeBidFast's refused write (AppSync
 * hands the current item to its response handler). Skipped when placeBidFast placed the bid, or
 * knows from the product that the bid is no retry (retryStatus 'never').
 */
import { runtime, util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { failOnError, placeBidStash, type Item } from '../lib/commerce';
import { bidKey } from '../../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ input: { productId: string; bidId: string } }>): DynamoDBGetItemRequest {
  const stash = placeBidStash(ctx);
  if (stash.placed) {
    runtime.earlyReturn(stash.placed);
  }
  if (!stash.mayBeRetry) {
    runtime.earlyReturn(null);
  }
  const { productId, bidId } = ctx.args.input;
  return { operation: 'GetItem', key: util.dynamodb.toMapValues(bidKey(productId, bidId)), consistentRead: true };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  placeBidStash(ctx).existingBid = (ctx.result as Item | null) ?? null;
  return ctx.result ?? null;
}
