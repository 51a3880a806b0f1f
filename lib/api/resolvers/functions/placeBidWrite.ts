/**
 * placeBid, exact path (runs only when placeBidFast's single write was refused): decides from the
 * product (the current item placeBidFast's refused write returned) and any history item under the
 * bid id (read consistently by loadBid when the bid may be a retry; bans from the product's
 * denormalized `bannedBidders`, as in the fast path), then writes ONE conditional UpdateItem on the product: auction open, bidder not the seller, the
 * current price in a range the amount beats by an increment (exact under concurrency, see
 * acceptablePriceRanges), the bid id not in its amount's id bucket; it moves the
 * end for soft close, (re)initialises the fast path's attributes and records the id as the fast
 * write does (bidIdParts).
 * A retried bidId answers the stored BidPlaced (history item, or the product's lastBid). A write
 * refused because the product changed since the read answers CONFLICT (retry).
 */
import { runtime, util, type Context, type DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import { acceptablePriceRanges, incrementFor, isListedBid, placedFromProduct, softCloseEndMs } from '../../../../lambdas/shared/domain/auctions';
import { bidIdParts, placeBidStash, pruneFor, refuseInvalidBid, requireUser, softCloseAt, type Item } from '../lib/commerce';
import { failOnError } from '../lib/errors';
import { productKey } from '../../../../lambdas/shared/domain/keys';

type Input = { productId: string; amount: number; bidId: string };

/** The BidPlaced answer for a bid id already accepted, or null. Fails for another bidder's id. */
function acceptedBefore(product: Item, existing: Item | null, bid: { bidId: string; amount: number }, me: string): unknown {
  const bidId = bid.bidId;
  if (existing) {
    if (existing.bidderId !== me) {
      util.error('This bid id is taken', 'VALIDATION', null, { field: 'bidId' });
    }
    return existing.placed;
  }
  const last = product.lastBid as Item | undefined;
  if (last && last.bidId === bidId) {
    if (last.bidderId !== me) {
      util.error('This bid id is taken', 'VALIDATION', null, { field: 'bidId' });
    }
    return placedFromProduct(product as Parameters<typeof placedFromProduct>[0]);
  }
  if (isListedBid(product, bid)) {
    // Accepted, outbid since, and its history item not written yet (the stream is a moment behind).
    util.error('This bid is being recorded; retry to read it back', 'CONFLICT');
  }
  return null;
}

export function request(ctx: Context<{ input: Input }>): DynamoDBUpdateItemRequest {
  const stash = placeBidStash(ctx);
  if (stash.placed) {
    runtime.earlyReturn(stash.placed);
  }
  const me = requireUser(ctx);
  const input = ctx.args.input;
  const product = stash.product as Item;
  const already = acceptedBefore(product, stash.existingBid ?? null, input, me.sub);
  if (already) {
    runtime.earlyReturn(already);
  }
  const nowMs = util.time.nowEpochMilliSeconds();
  refuseInvalidBid(product, me, input.amount, nowMs);
  const now = util.time.epochMilliSecondsToISO8601(nowMs);
  const endMs = util.time.parseISO8601ToEpochMilliSeconds(product.endsAt);
  const newEndMs = softCloseEndMs(endMs, nowMs, product.softCloseSeconds);
  const extends_ = newEndMs !== endMs;
  const endsAt = extends_ ? util.time.epochMilliSecondsToISO8601(newEndMs) : product.endsAt;
  const ranges = acceptablePriceRanges(input.amount, product.bidIncrement);
  const ids = bidIdParts(input.amount, input.bidId);
  const values: Record<string, unknown> = {
    ':open': 'AUCTION_OPEN', ':now': now, ':me': me.sub, ':zero': 0, ':amount': input.amount, ':one': 1, ':none': null,
    ':handle': me.handle, ':minNext': input.amount + incrementFor(input.amount, product.bidIncrement),
    ':last': { bidId: input.bidId, bidderId: me.sub, bidderHandle: me.handle, amount: input.amount, placedAt: now }, ...ids.values,
  };
  const sets = [
    'currentPrice = :amount', 'bidCount = bidCount + :one', 'prevHighBidderId = if_not_exists(highBidderId, :none)', 'highBidderId = :me',
    'highBidderHandle = :handle', 'minNextBid = :minNext', 'lastBid = :last', 'updatedAt = :now', ids.set,
  ];
  const conditions = ['#status = :open', 'endsAt > :now', 'channelId <> :me', ids.condition];
  const terms: string[] = [];
  ranges.forEach((r, i) => {
    values[`:lo${i}`] = r.low;
    values[`:hi${i}`] = r.high;
    terms.push(`currentPrice BETWEEN :lo${i} AND :hi${i}`);
  });
  const priceCondition = terms.length ? ` OR (bidCount > :zero AND (${terms.join(' OR ')}))` : '';
  conditions.push(`((bidCount = :zero AND startingBid <= :amount)${priceCondition})`);
  // Soft close: a bid in the window moves the end to now + N; never backwards under concurrency.
  if (extends_) {
    values[':endsAt'] = endsAt;
    values[':softCloseAt'] = softCloseAt(endsAt, product.softCloseSeconds);
    sets.push('endsAt = :endsAt', 'GSI2SK = :endsAt', 'softCloseAt = :softCloseAt');
    conditions.push('endsAt <= :endsAt');
  } else if (product.softCloseAt !== softCloseAt(product.endsAt, product.softCloseSeconds)) {
    // Products started before the fast path existed: add its attributes, for this very end.
    values[':endsAt'] = product.endsAt;
    values[':softCloseAt'] = softCloseAt(product.endsAt, product.softCloseSeconds);
    sets.push('softCloseAt = :softCloseAt');
    conditions.push('endsAt = :endsAt');
  }
  if (product.bidIncrement && product.fixedIncrement !== product.bidIncrement) {
    values[':fixed'] = product.bidIncrement;
    sets.push('fixedIncrement = :fixed');
  }
  return {
    operation: 'UpdateItem',
    key: util.dynamodb.toMapValues(productKey(product.productId)),
    update: { expression: `SET ${sets.join(', ')}${ids.remove}`, expressionNames: ids.names, expressionValues: util.dynamodb.toMapValues(values) },
    condition: { expression: conditions.join(' AND '), expressionNames: { '#status': 'status' } },
  };
}

export function response(ctx: Context<{ input: Input }>): unknown {
  if (ctx.error) {
    if (ctx.error.type === 'DynamoDB:ConditionalCheckFailedException') {
      // Another write moved the auction first. Its current value (ctx.result) usually says why
      // (outbid, closed): answer that; otherwise the bid may still be valid, so retry.
      if (ctx.result) {
        refuseInvalidBid(ctx.result as Item, requireUser(ctx), ctx.args.input.amount, util.time.nowEpochMilliSeconds());
      }
      util.error('Another bid changed the auction at the same moment; retry', 'CONFLICT');
    }
    failOnError(ctx);
  }
  placeBidStash(ctx).prune = pruneFor(ctx.result as Item);
  return placedFromProduct(ctx.result as Parameters<typeof placedFromProduct>[0]);
}
