/**
 * placeBid, last step (housekeeping after an accepted bid; the bidder's answer is already made):
 * each accepted write sweeps the BID_BUCKET_SWEEP id buckets BID_BUCKET_KEEP below its own, so this
 * step runs only when its written item (ALL_NEW) still holds buckets below that sweep (a bid
 * jumped further than it past the previous one while the consumer was behind). Such buckets are
 * never written again, so they are removed without a condition; a refused bid of theirs is
 * answered from its history item (retryStatus 'maybe').
 */
import { runtime, util, type Context, type DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import { removeClause } from '../../../../lambdas/shared/domain/auctions';
import { placeBidStash } from '../lib/commerce';
import { productKey } from '../../../../lambdas/shared/domain/keys';

export function request(ctx: Context): DynamoDBUpdateItemRequest {
  const stash = placeBidStash(ctx);
  const prune = stash.prune;
  if (!prune) {
    runtime.earlyReturn(stash.placed ?? ctx.prev.result);
  }
  const stale = removeClause(prune.stale, 'stale');
  return {
    operation: 'UpdateItem',
    key: util.dynamodb.toMapValues(productKey(prune.productId)),
    update: { expression: stale.expression, expressionNames: stale.names },
    condition: { expression: 'attribute_exists(PK)' },
  };
}

/** The bid stands whatever this write met (a failure here only leaves the old buckets for the next bid). */
export function response(ctx: Context): unknown {
  return placeBidStash(ctx).placed ?? ctx.prev.result;
}
