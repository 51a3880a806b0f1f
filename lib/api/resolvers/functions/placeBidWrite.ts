/**
 * placeBid, second step: decides from what loadBid read, and writes at most once.
 * - A bid id already stored answers the BidPlaced it was first answered with (storedAnswer).
 * - A bid the product refuses gets its typed refusal, with no write (refuseInvalidBid).
 * - Otherwise ONE TransactWriteItems: the bid item put under `attribute_not_exists(PK)` (the
 *   idempotency record, carrying its answer and history index keys) and the product's update
 *   guarded by the `bidCount` read (acceptedBid, lib/bids.ts). Both or neither are written.
 * A cancelled transaction is answered by which condition failed (cancellationReasons, in request
 * order): the bid item's → the same bid id committed by a concurrent request (a retry racing its
 * original), answered from that item; the product's → a lost race, answered from the product's
 * current value with the typed refusal (BID_TOO_LOW with the new minimum, AUCTION_CLOSED,
 * UNAUTHORIZED) or, when the bid is still valid there, CONFLICT (send the same bid again); a
 * transaction conflict → CONFLICT; throttling → Unavailable. Nothing was written in any of these cases.
 */
import { runtime, util, type Context, type DynamoDBTransactWriteItemsRequest } from '@aws-appsync/utils';
import { softCloseEndMs } from '../../../../lambdas/shared/domain/auctions';
import {
  acceptedBid,
  cancellationReasons,
  placeBidStash,
  refuseInvalidBid,
  storedAnswer,
  type PlaceBidInput,
} from '../lib/bids';
import { requireUser, type Item } from '../lib/commerce';
import { failOnError, UNAVAILABLE_MESSAGE } from '../lib/errors';

/** Cancellation reasons of a transaction DynamoDB could not take just now (capacity): the same bid may be sent again. */
const THROTTLED = ['ThrottlingError', 'ProvisionedThroughputExceeded', 'RequestLimitExceeded'];

export function request(ctx: Context<{ input: PlaceBidInput }>): DynamoDBTransactWriteItemsRequest {
  const stash = placeBidStash(ctx);
  const me = requireUser(ctx);
  const input = ctx.args.input;
  if (stash.existingBid) {
    runtime.earlyReturn(storedAnswer(stash.existingBid, input, me));
  }
  const product = stash.product as Item;
  const nowMs = util.time.nowEpochMilliSeconds();
  refuseInvalidBid(product, me, input.amount, nowMs);
  const endMs = util.time.parseISO8601ToEpochMilliSeconds(product.endsAt);
  const newEndMs = softCloseEndMs(endMs, nowMs, product.softCloseSeconds);
  const endsAt = newEndMs === endMs ? (product.endsAt as string) : util.time.epochMilliSecondsToISO8601(newEndMs);
  const write = acceptedBid(product, input, me, { now: util.time.epochMilliSecondsToISO8601(nowMs), endsAt });
  stash.placed = write.placed;
  const table = ctx.env.TABLE_NAME as string;
  return {
    operation: 'TransactWriteItems',
    transactItems: [
      {
        table,
        operation: 'PutItem',
        key: util.dynamodb.toMapValues(write.bid.key),
        attributeValues: util.dynamodb.toMapValues(write.bid.attributes),
        condition: { expression: 'attribute_not_exists(PK)', returnValuesOnConditionCheckFailure: true },
      },
      {
        table,
        operation: 'UpdateItem',
        key: util.dynamodb.toMapValues(write.product.key),
        update: {
          expression: write.product.update,
          expressionValues: util.dynamodb.toMapValues(write.product.updateValues),
        },
        condition: {
          expression: write.product.condition,
          expressionNames: write.product.conditionNames,
          expressionValues: util.dynamodb.toMapValues(write.product.conditionValues),
          returnValuesOnConditionCheckFailure: true,
        },
      },
    ],
  } as unknown as DynamoDBTransactWriteItemsRequest;
}

export function response(ctx: Context<{ input: PlaceBidInput }>): unknown {
  if (ctx.error) {
    const me = requireUser(ctx);
    const input = ctx.args.input;
    const reasons = cancellationReasons(ctx);
    const bid = reasons[0];
    const product = reasons[1];
    if (bid && bid.type === 'ConditionalCheckFailed') {
      if (bid.item) {
        return storedAnswer(bid.item, input, me);
      }
      util.error('This bid is being recorded; send it again to read its answer', 'CONFLICT');
    }
    if (product && product.type === 'ConditionalCheckFailed') {
      if (product.item) {
        refuseInvalidBid(product.item, me, input.amount, util.time.nowEpochMilliSeconds());
      }
      util.error('Another bid changed the auction at the same moment; send your bid again', 'CONFLICT');
    }
    if (reasons.some((r) => r.type === 'TransactionConflict')) {
      util.error('Another bid changed the auction at the same moment; send your bid again', 'CONFLICT');
    }
    if (reasons.some((r) => THROTTLED.indexOf(r.type) >= 0)) {
      util.error(UNAVAILABLE_MESSAGE, 'Unavailable', null, { retryable: true });
    }
    failOnError(ctx);
  }
  return placeBidStash(ctx).placed;
}
