/**
 * placeBid, first step: the product and the bid item under the client's bid id, in one consistent
 * BatchGetItem, into the stash (PlaceBidStash, lib/bids.ts). A missing product is NOT_FOUND.
 */
import { util, type Context, type DynamoDBBatchGetItemRequest } from '@aws-appsync/utils';
import { bidKey, productKey } from '../../../../lambdas/shared/domain/keys';
import { placeBidStash, type PlaceBidInput } from '../lib/bids';
import type { Item } from '../lib/commerce';
import { failOnError, UNAVAILABLE_MESSAGE } from '../lib/errors';

export function request(ctx: Context<{ input: PlaceBidInput }>): DynamoDBBatchGetItemRequest {
  const { productId, bidId } = ctx.args.input;
  const tables: DynamoDBBatchGetItemRequest['tables'] = {};
  tables[ctx.env.TABLE_NAME as string] = {
    keys: [util.dynamodb.toMapValues(productKey(productId)), util.dynamodb.toMapValues(bidKey(productId, bidId))],
    consistentRead: true,
  };
  return { operation: 'BatchGetItem', tables };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const table = ctx.env.TABLE_NAME as string;
  const result = ctx.result as { data: Record<string, (Item | null)[]>; unprocessedKeys?: Record<string, unknown[]> };
  const unprocessed = result.unprocessedKeys ? result.unprocessedKeys[table] : null;
  if (unprocessed && unprocessed.length) {
    // DynamoDB left keys unread (throttled): nothing was decided or written, the same request may be sent again.
    util.error(UNAVAILABLE_MESSAGE, 'Unavailable', null, { retryable: true });
  }
  const found = result.data[table] ?? [];
  const product = found[0] ?? null;
  if (!product) {
    util.error('No such product', 'NOT_FOUND');
  }
  const stash = placeBidStash(ctx);
  stash.product = product;
  stash.existingBid = found[1] ?? null;
  return product;
}
