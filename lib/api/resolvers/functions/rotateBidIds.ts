/**
 * placeBid, last step (housekeeping after an accepted bid; the bidder's answer is already made):
 * when the accepted write made `recentBidIds` long enough (shouldRotate), moves it to
 * `olderBidIds` and starts a new one, dropping the previous older list. Every id dropped was
 * accepted before the previous rotation's write, so `trimmedPrice` becomes that write's price
 * (`rotatedAtPrice`, or the bound already there if higher) and `rotatedAtPrice` this write's
 * current price. Conditioned on `rotatedAtPrice` and `trimmedPrice` being what this bid's write
 * saw (no rotation, trim or rewrite since, so the bound computed from them holds); otherwise there
 * is nothing to do. Keeps the fast path's id list short without the stream consumer.
 */
import { runtime, util, type Context, type DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import { productKey } from '../lib/commerce';

type Rotation = { productId: string; trimmedPrice: number; seenTrimmed: number | null; seenRotated: number | null };

/** `attr` still holds what this bid's write saw (null: absent). */
function unchanged(attr: string, seen: number | null, values: Record<string, unknown>): string {
  if (seen === null) return `attribute_not_exists(${attr})`;
  values[`:${attr}`] = seen;
  return `${attr} = :${attr}`;
}

export function request(ctx: Context): DynamoDBUpdateItemRequest {
  const rotation = ctx.stash.rotate as Rotation | null | undefined;
  if (!rotation) {
    runtime.earlyReturn(ctx.stash.placed ?? ctx.prev.result);
  }
  const values: Record<string, unknown> = {};
  const condition = `${unchanged('rotatedAtPrice', rotation.seenRotated, values)} AND ${unchanged('trimmedPrice', rotation.seenTrimmed, values)}`;
  return {
    operation: 'UpdateItem',
    key: util.dynamodb.toMapValues(productKey(rotation.productId)),
    update: {
      expression: 'SET olderBidIds = recentBidIds, recentBidIds = :empty, trimmedPrice = :trimmed, rotatedAtPrice = currentPrice',
      expressionValues: util.dynamodb.toMapValues({ ':empty': [], ':trimmed': rotation.trimmedPrice }),
    },
    condition: { expression: condition, expressionValues: util.dynamodb.toMapValues(values) },
  };
}

/** A rotation overtaken by another (condition failed) needs nothing; the bid stands either way. */
export function response(ctx: Context): unknown {
  return ctx.stash.placed ?? ctx.prev.result;
}
