/**
 * placeBid, first step: the whole bid as ONE conditional UpdateItem on the product, no read.
 * The condition carries every rule the product item can answer: auction open and outside the
 * soft-close window (`softCloseAt > now`, so the end needs no move), bidder not the seller, not in
 * the product's denormalized `bannedBidders`, amount >= the stored `minNextBid` (exact under
 * concurrency), bid id not in its amount's id bucket (idempotency). The write itself is fastBidWrite.
 * The update records the bid on the product (`lastBid`; the table stream writes the history item,
 * see lambdas/bid-history), computes the next minimum in DynamoDB
 * (`amount + if_not_exists(fixedIncrement, ladder increment)`) and appends the id to its bucket
 * (the consumer removes buckets once their history is written).
 * When the condition fails, AppSync hands the product's current value to the response handler.
 * If that item proves the bid is no retry (retryStatus), the refusal is answered from it (typed
 * error, no further call) or, when the bid is valid but needs the exact write (soft-close window),
 * that write is computed from it (loadBid skipped). Possible retries read their history item
 * first (loadBid), then take the exact path (placeBidWrite). See docs/commerce.md.
 */
import { util, type Context, type DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import { placedFromProduct, retryStatus } from '../../../../lambdas/shared/domain/auctions';
import { fastBidWrite, placeBidStash, pruneFor, refuseInvalidBid, requireUser, type Item } from '../lib/commerce';
import { failOnError } from '../lib/errors';

type Input = { productId: string; amount: number; bidId: string };

/** Input rules checked before any write (also by the exact path, which never runs without this step). */
export function request(ctx: Context<{ input: Input }>): DynamoDBUpdateItemRequest {
  const me = requireUser(ctx);
  const input = ctx.args.input;
  if (input.amount < 1 || input.amount % 1 !== 0) {
    util.error('A bid is a positive whole number of minor units', 'VALIDATION', null, { field: 'amount' });
  }
  if (input.bidId.length < 8 || input.bidId.length > 64) {
    util.error('A bid id has 8 to 64 characters.', 'VALIDATION', null, { field: 'bidId' });
  }
  const write = fastBidWrite(input, me, util.time.nowISO8601());
  return {
    operation: 'UpdateItem',
    key: util.dynamodb.toMapValues(write.key),
    update: { expression: write.update, expressionNames: write.updateNames, expressionValues: util.dynamodb.toMapValues(write.values) },
    condition: { expression: write.condition, expressionNames: write.conditionNames },
  };
}

/** A refused single write, decided from the product's current value (`ctx.result`). */
function refused(ctx: Context<{ input: Input }>): null {
  const stash = placeBidStash(ctx);
  stash.placed = null;
  const product = ctx.result as Item | null;
  if (!product) {
    util.error('No such product', 'NOT_FOUND');
  }
  const input = ctx.args.input;
  stash.product = product;
  stash.existingBid = null;
  // Possibly a retried bid: loadBid reads its history item and the exact path answers it.
  stash.mayBeRetry = retryStatus(product, input) !== 'never';
  if (!stash.mayBeRetry) {
    refuseInvalidBid(product, requireUser(ctx), input.amount, util.time.nowEpochMilliSeconds());
  }
  return null;
}

export function response(ctx: Context<{ input: Input }>): unknown {
  if (ctx.error) {
    if (ctx.error.type === 'DynamoDB:ConditionalCheckFailedException') {
      return refused(ctx);
    }
    failOnError(ctx);
  }
  const placed = placedFromProduct(ctx.result as Item as Parameters<typeof placedFromProduct>[0]);
  const stash = placeBidStash(ctx);
  stash.placed = placed;
  stash.prune = pruneFor(ctx.result as Item);
  return placed;
}
