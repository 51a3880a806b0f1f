/**
 * Pipeline step of placeBid (exact path only): the product and any bid already stored under the
 * client's bidId. Skipped when placeBidFast already placed the bid, or already holds the product
 * (from its refused write) and knows the bid is no retry.
 */
import { runtime, util, type Context, type DynamoDBBatchGetItemRequest } from '@aws-appsync/utils';
import { bidKey, failOnError, productKey } from '../lib/commerce';

export function request(ctx: Context<{ input: { productId: string; bidId: string } }>): DynamoDBBatchGetItemRequest {
  if (ctx.stash.placed) {
    runtime.earlyReturn(ctx.stash.placed);
  }
  if (ctx.stash.product) {
    runtime.earlyReturn(ctx.stash.product);
  }
  const { productId, bidId } = ctx.args.input;
  const tables: Record<string, { keys: Record<string, unknown>[]; consistentRead: boolean }> = {};
  tables[ctx.env.TABLE_NAME as string] = {
    keys: [util.dynamodb.toMapValues(productKey(productId)), util.dynamodb.toMapValues(bidKey(productId, bidId))],
    consistentRead: true,
  };
  return { operation: 'BatchGetItem', tables } as DynamoDBBatchGetItemRequest;
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const found = (ctx.result.data[ctx.env.TABLE_NAME as string] ?? []) as (Record<string, unknown> | null)[];
  if (!found[0]) {
    util.error('No such product', 'NOT_FOUND');
  }
  ctx.stash.product = found[0];
  ctx.stash.existingBid = found[1] ?? null;
  return found[0];
}
