/**
 * placeBid, last step (housekeeping after an accepted bid; the bidder's answer is already made):
 * when the accepted write made `recentBidIds` long enough (shouldRotate), moves it to
 * `olderBidIds` and starts a new one, dropping the previous older list. Every id dropped was
 * accepted before the previous rotation's write, so `trimmedPrice` becomes that write's price
 * (`rotatedAtPrice`, or the bound already there if higher) and `rotatedAtPrice` this write's
 * current price. Conditioned on the list head this bid saw: if anything rotated or trimmed since,
 * there is nothing to do. Keeps the fast path's id list short without the stream consumer.
 */
import { runtime, util, type Context, type DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import { productKey } from '../lib/commerce';

type Rotation = { productId: string; head: string; trimmedPrice: number };

export function request(ctx: Context): DynamoDBUpdateItemRequest {
  const rotation = ctx.stash.rotate as Rotation | null | undefined;
  if (!rotation) {
    runtime.earlyReturn(ctx.stash.placed ?? ctx.prev.result);
  }
  return {
    operation: 'UpdateItem',
    key: util.dynamodb.toMapValues(productKey(rotation.productId)),
    update: {
      expression: 'SET olderBidIds = recentBidIds, recentBidIds = :empty, trimmedPrice = :trimmed, rotatedAtPrice = currentPrice',
      expressionValues: util.dynamodb.toMapValues({ ':empty': [], ':trimmed': rotation.trimmedPrice }),
    },
    condition: { expression: 'recentBidIds[0] = :head', expressionValues: util.dynamodb.toMapValues({ ':head': rotation.head }) },
  };
}

/** A rotation overtaken by another (condition failed) needs nothing; the bid stands either way. */
export function response(ctx: Context): unknown {
  return ctx.stash.placed ?? ctx.prev.result;
}
