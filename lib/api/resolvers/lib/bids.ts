/**
 * placeBid's storage (APPSYNC_JS subset), beside its two pipeline steps (docs/commerce.md,
 * docs/decisions/bid-path.md):
 * - loadBid reads the product and the bid item under the client's bid id in one consistent
 *   BatchGetItem;
 * - placeBidWrite answers a stored bid as it was first answered, refuses an invalid bid from the
 *   product it read (no write), or sends ONE TransactWriteItems: the bid item `PRODUCT#<p>/BID#<bidId>`
 *   put with `attribute_not_exists(PK)` (the idempotency record, carrying its BidPlaced answer) and
 *   the product's conditional update, guarded by the `bidCount` read so the answer computed from
 *   the read (bid count, previous high bidder, end) is exactly this write's.
 * The write's parts are plain values (acceptedBid), so the bids bench sends the very same
 * transaction through the SDK. The business rules come from lambdas/shared/domain/auctions.ts.
 */
import { analyticsSessionId } from '../../../../lambdas/shared/domain/attribution';
import { util, type Context } from '@aws-appsync/utils';
import { checkBid, incrementFor } from '../../../../lambdas/shared/domain/auctions';
import { bidHistorySk, bidKey, productBidsPk, productKey, userBidsPk } from '../../../../lambdas/shared/domain/keys';
import { setHas, type Item } from './commerce';

/** placeBid's argument (PlaceBidInput in schema.graphql). */
export interface PlaceBidInput {
  productId: string;
  amount: number;
  bidId: string;
  /** The bidder's analytics session (viewSessionId): a sale from this bid is attributed to it. */
  viewSessionId?: string | null;
}

/** The signed-in bidder (requireUser). */
export interface Bidder {
  sub: string;
  handle: string;
}

/**
 * placeBid's pipeline state in `ctx.stash`: the one contract between its steps
 * (loadBid → placeBidWrite).
 */
export interface PlaceBidStash {
  /** The product as loadBid read it (consistent); placeBidWrite decides and guards on it. */
  product?: Item;
  /** The bid item already stored under the client's bid id (loadBid), or null. */
  existingBid?: Item | null;
  /** The BidPlaced answer placeBidWrite's transaction records (its request), answered when it commits (its response). */
  placed?: Record<string, unknown>;
}

/** `ctx.stash` as placeBid's contract (the same object: assignments through it are the stash's). */
export function placeBidStash(ctx: Context): PlaceBidStash {
  return ctx.stash as PlaceBidStash;
}

/** The input rules, checked once before any read (Mutation.placeBid's request). */
export function validateBidInput(input: PlaceBidInput): void {
  if (input.amount < 1 || input.amount % 1 !== 0) {
    util.error('A bid is a positive whole number of minor units', 'VALIDATION', null, { field: 'amount' });
  }
  if (input.bidId.length < 8 || input.bidId.length > 64) {
    util.error('A bid id has 8 to 64 characters.', 'VALIDATION', null, { field: 'bidId' });
  }
}

/**
 * The answer to a bid id that is already stored: the BidPlaced it was first answered with. The id
 * is the client's idempotency key for one bid, so the same id from another bidder, or with another
 * amount, is a client error (VALIDATION on `bidId`), never a second bid.
 */
export function storedAnswer(stored: Item, input: PlaceBidInput, me: Bidder): Record<string, unknown> {
  if (stored.bidderId !== me.sub) {
    util.error('This bid id is taken', 'VALIDATION', null, { field: 'bidId' });
  }
  if (stored.amount !== input.amount) {
    util.error('This bid id was already used for another amount; send a new bid with a new id', 'VALIDATION', null, {
      field: 'bidId',
    });
  }
  return stored.placed as Record<string, unknown>;
}

/** Fails with the typed refusal (AUCTION_CLOSED, NOT_OWNER, UNAUTHORIZED, BID_TOO_LOW + minimum) when the product refuses the bid. */
export function refuseInvalidBid(product: Item, me: { sub: string }, amount: number, nowMs: number): void {
  const rejection = checkBid(
    {
      status: product.status,
      sellerId: product.channelId,
      startingBid: product.startingBid ?? 0,
      bidIncrement: product.bidIncrement,
      currentPrice: product.currentPrice,
      bidCount: product.bidCount ?? 0,
      softCloseSeconds: product.softCloseSeconds,
      endsAtMs: product.endsAt ? util.time.parseISO8601ToEpochMilliSeconds(product.endsAt) : null,
    },
    { bidderId: me.sub, amount, banned: setHas(product.bannedBidders, me.sub) },
    nowMs,
  );
  if (rejection && rejection.code === 'BID_TOO_LOW') {
    util.error(rejection.message, 'BID_TOO_LOW', null, { minimum: rejection.minimum });
  }
  if (rejection) {
    util.error(rejection.message, rejection.code);
  }
}

/** An accepted bid's writes, with plain values (the resolver marshals them with util.dynamodb, the bids bench with the SDK). */
export interface AcceptedBid {
  /** The BidPlaced answer: this bid over the product as read (the transaction's guard makes it exact). */
  placed: Record<string, unknown>;
  /** The bid item: key and the other attributes (its GSI keys of docs/data-model.md included). */
  bid: { key: Record<string, string>; attributes: Record<string, unknown> };
  /** The product's conditional update. */
  product: {
    key: Record<string, string>;
    update: string;
    updateValues: Record<string, unknown>;
    condition: string;
    conditionNames: Record<string, string>;
    conditionValues: Record<string, unknown>;
  };
}

/**
 * The writes that accept `input` on `product` (read by loadBid, already checked by
 * refuseInvalidBid) at `now`, with the end `endsAt` after soft close (the caller computes it with
 * softCloseEndMs and its clock). The product update is conditioned on the `bidCount` read (no bid
 * landed since, so price, minimum, high bidder and end are as read), the auction still open and not
 * past its end, and the bidder not banned since the read; a failed condition is a lost race
 * (placeBidWrite's response decides the answer from the product's current value).
 */
export function acceptedBid(
  product: Item,
  input: PlaceBidInput,
  me: Bidder,
  at: { now: string; endsAt: string },
): AcceptedBid {
  const seen = (product.bidCount ?? 0) as number;
  const placed: Record<string, unknown> = {
    channelId: product.channelId,
    productId: product.productId,
    bidId: input.bidId,
    bidderId: me.sub,
    bidderHandle: me.handle,
    amount: input.amount,
    currency: product.currency,
    currentPrice: input.amount,
    minNextBid: input.amount + incrementFor(input.amount, product.bidIncrement),
    bidCount: seen + 1,
    endsAt: at.endsAt,
    placedAt: at.now,
    previousHighBidderId: seen > 0 && product.highBidderId ? product.highBidderId : null,
  };
  const attributes: Record<string, unknown> = {
    type: 'Bid',
    bidId: input.bidId,
    productId: product.productId,
    channelId: product.channelId,
    bidderId: me.sub,
    bidderHandle: me.handle,
    amount: input.amount,
    currency: product.currency,
    placedAt: at.now,
    bidSeq: seen + 1,
    placed,
    GSI1PK: userBidsPk(me.sub),
    GSI1SK: at.now,
    GSI2PK: productBidsPk(product.productId),
    GSI2SK: bidHistorySk(at.now, input.bidId),
  };
  const moved = at.endsAt !== product.endsAt;
  const updateValues: Record<string, unknown> = {
    ':amount': input.amount,
    ':count': seen + 1,
    ':me': me.sub,
    ':handle': me.handle,
    ':now': at.now,
  };
  let update =
    'SET currentPrice = :amount, bidCount = :count, highBidderId = :me, highBidderHandle = :handle, updatedAt = :now';
  if (moved) {
    // Soft close: the end (and the sweeper's GSI2 sort key) moves to now + N; the guard keeps it from moving back.
    updateValues[':endsAt'] = at.endsAt;
    update += ', endsAt = :endsAt, GSI2SK = :endsAt';
  }
  // The high bid's viewing session goes with it, so the auction's sale is attributed to it (docs/analytics.md).
  const viewSessionId = analyticsSessionId(input.viewSessionId);
  if (viewSessionId) {
    updateValues[':viewSession'] = viewSessionId;
    attributes.viewSessionId = viewSessionId;
    update += ', highBidViewSessionId = :viewSession';
  } else {
    update += ' REMOVE highBidViewSessionId';
  }
  return {
    placed,
    bid: { key: bidKey(product.productId, input.bidId), attributes },
    product: {
      key: productKey(product.productId),
      update,
      updateValues,
      condition: 'bidCount = :seen AND #status = :open AND endsAt > :now AND NOT contains(bannedBidders, :me)',
      conditionNames: { '#status': 'status' },
      conditionValues: { ':seen': seen, ':open': 'AUCTION_OPEN', ':now': at.now, ':me': me.sub },
    },
  };
}

/** One entry of a cancelled transaction's `ctx.result.cancellationReasons` (the item when its condition failed). */
export interface CancellationReason {
  type: string;
  message?: string | null;
  item?: Item;
}

/** The cancellation reasons of a failed TransactWriteItems, in request order ([] for any other failure). */
export function cancellationReasons(ctx: Context): CancellationReason[] {
  const result = ctx.result as { cancellationReasons?: CancellationReason[] | null } | null;
  return result && result.cancellationReasons ? result.cancellationReasons : [];
}
