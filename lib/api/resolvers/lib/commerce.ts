/**
 * Shared pieces of the commerce resolvers (APPSYNC_JS subset): the caller, typed errors and
 * the Product/Sale views. Business rules come from lambdas/shared/domain/auctions.ts (bundled).
 */
import { util, type AppSyncIdentityCognito, type Context } from '@aws-appsync/utils';
import { HANDLE_CLAIM } from '../../../../lambdas/shared/domain/claims';
import { channelSalesPk, orderKey, productKey, recordingOffsetSk, recordingSalesPk, saleKey, streamSalesPk } from '../../../../lambdas/shared/domain/keys';
import { bidIdsAttr, bidIdsChange, checkBid, incrementFor, minNextBid, removeClause, softCloseStartMs, staleBidIdBuckets } from '../../../../lambdas/shared/domain/auctions';

/** A stored item, read dynamically (its attributes follow docs/data-model.md). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Item = Record<string, any>;

/**
 * Membership in a DynamoDB string set as a resolver sees it: a list in AppSync, a JS Set in the
 * local runtime (the SDK's unmarshall).
 */
export function setHas(set: unknown, value: string): boolean {
  if (!set) return false;
  if (Array.isArray(set)) return set.indexOf(value) >= 0;
  return (set as { has(v: string): boolean }).has(value);
}

/**
 * The caller's platform-owned handle: the `handle` claim the account function stamps from the
 * account item (HANDLE_CLAIM), never the user-writable `preferred_username`; the opaque Cognito
 * username for a user who holds no handle yet.
 */
export function ownedHandle(identity: AppSyncIdentityCognito): string {
  const claims = (identity.claims ?? {}) as Record<string, string>;
  return claims[HANDLE_CLAIM] ? claims[HANDLE_CLAIM] : identity.username;
}

/** The signed-in Cognito caller, or UNAUTHORIZED for guests and IAM callers. */
export function requireUser(ctx: Context): { sub: string; handle: string } {
  const identity = ctx.identity as AppSyncIdentityCognito | null;
  if (!identity || !identity.sub) {
    util.error('Sign in first', 'UNAUTHORIZED');
  }
  return { sub: identity.sub, handle: ownedHandle(identity) };
}

/** Fails with the typed refusal (AUCTION_CLOSED, NOT_OWNER, UNAUTHORIZED, BID_TOO_LOW + minimum) when the product refuses the bid. */
export function refuseInvalidBid(product: Item, me: { sub: string }, amount: number, nowMs: number): void {
  const rejection = checkBid(
    {
      status: product.status, sellerId: product.channelId, startingBid: product.startingBid ?? 0, bidIncrement: product.bidIncrement,
      currentPrice: product.currentPrice, bidCount: product.bidCount ?? 0, softCloseSeconds: product.softCloseSeconds,
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

/**
 * The product's `softCloseAt` (ISO) for an end (ISO): the end itself without soft close, so the
 * stored string compares equal; else softCloseStartMs formatted by util.time.
 */
export function softCloseAt(endsAt: string, softCloseSeconds?: number | null): string {
  if (!softCloseSeconds) return endsAt;
  return util.time.epochMilliSecondsToISO8601(softCloseStartMs(util.time.parseISO8601ToEpochMilliSeconds(endsAt), softCloseSeconds));
}

/**
 * The UpdateItem parts that record an accepted bid's id in its amount's bucket (bidIdsChange):
 * append it, sweep far below; the condition refuses an id already in that bucket (a retry carries
 * its amount). Shared by the fast and the exact write.
 */
export function bidIdParts(amount: number, bidId: string): {
  set: string; remove: string; condition: string; names: Record<string, string>; values: Record<string, unknown>;
} {
  const change = bidIdsChange(amount);
  const sweep = removeClause(change.removed.map(bidIdsAttr), 'gone');
  return {
    set: '#ids = list_append(if_not_exists(#ids, :noIds), :ids)',
    remove: sweep.expression ? ` ${sweep.expression}` : '',
    condition: 'NOT contains(#ids, :bidId)',
    names: { '#ids': bidIdsAttr(change.bucket), ...sweep.names },
    values: { ':noIds': [], ':ids': [bidId], ':bidId': bidId },
  };
}

/**
 * placeBidFast's single write for a bid, with plain values (the resolver marshals them with
 * util.dynamodb, the bids bench with the SDK's marshall, so both send the very same UpdateItem).
 */
export function fastBidWrite(input: { productId: string; amount: number; bidId: string }, me: { sub: string; handle: string }, now: string): {
  key: Record<string, string>; update: string; condition: string; updateNames: Record<string, string>; conditionNames: Record<string, string>;
  values: Record<string, unknown>;
} {
  const ids = bidIdParts(input.amount, input.bidId);
  return {
    key: productKey(input.productId),
    update:
      'SET currentPrice = :amount, bidCount = bidCount + :one, prevHighBidderId = if_not_exists(highBidderId, :none), highBidderId = :me, ' +
      `highBidderHandle = :handle, minNextBid = :amount + if_not_exists(fixedIncrement, :ladder), lastBid = :last, updatedAt = :now, ${ids.set}${ids.remove}`,
    condition: `#status = :open AND softCloseAt > :now AND channelId <> :me AND minNextBid <= :amount AND ${ids.condition} AND NOT contains(bannedBidders, :me)`,
    updateNames: ids.names,
    conditionNames: { '#status': 'status' },
    values: {
      ':amount': input.amount, ':one': 1, ':none': null, ':me': me.sub, ':handle': me.handle, ':ladder': incrementFor(input.amount, null),
      ':last': { bidId: input.bidId, bidderId: me.sub, bidderHandle: me.handle, amount: input.amount, placedAt: now },
      ':now': now, ':open': 'AUCTION_OPEN', ...ids.values,
    },
  };
}

/**
 * placeBid's pipeline state in `ctx.stash`: the one contract between its four steps
 * (placeBidFast → loadBid → placeBidWrite → pruneBidIds).
 */
export interface PlaceBidStash {
  /** The BidPlaced answer once a write accepted the bid (placeBidFast); null when its write was refused. Later steps answer it unchanged. */
  placed?: Record<string, unknown> | null;
  /** The product as the refused fast write returned it (placeBidFast), for loadBid and placeBidWrite. */
  product?: Item;
  /** Whether the refused bid can be a retry of an accepted one (retryStatus not 'never'): only then does loadBid read its history item. */
  mayBeRetry?: boolean;
  /** The history item stored under the bid id (loadBid), or null. */
  existingBid?: Item | null;
  /** Id buckets an accepted write left below its sweep (pruneFor, by placeBidFast or placeBidWrite), for pruneBidIds; null when none. */
  prune?: { productId: string; stale: string[] } | null;
}

/** `ctx.stash` as placeBid's contract (the same object: assignments through it are the stash's). */
export function placeBidStash(ctx: Context): PlaceBidStash {
  return ctx.stash as PlaceBidStash;
}

/** What pruneBidIds needs when an accepted bid's written item (ALL_NEW) still holds buckets below its sweep, else null. */
export function pruneFor(product: Item): { productId: string; stale: string[] } | null {
  const stale = staleBidIdBuckets(product);
  return stale.length ? { productId: product.productId, stale } : null;
}

/** Product item as the GraphQL Product type (keys and index attributes dropped). */
export function productView(item: Record<string, unknown>): Record<string, unknown> {
  const view: Record<string, unknown> = { ...item };
  delete view.PK;
  delete view.SK;
  delete view.GSI1PK;
  delete view.GSI1SK;
  delete view.GSI2PK;
  delete view.GSI2SK;
  view.type = item.productType;
  delete view.productType;
  view.featured = item.featured === true;
  view.bidCount = item.bidCount ?? 0;
  view.minNextBid =
    item.startingBid === null || item.startingBid === undefined
      ? null
      : minNextBid({
          startingBid: item.startingBid as number,
          bidIncrement: item.bidIncrement as number | null,
          currentPrice: item.currentPrice as number | null,
          bidCount: (item.bidCount as number) ?? 0,
        });
  return view;
}

/** Sale item as the GraphQL Sale type. */
export function saleView(item: Record<string, unknown>): Record<string, unknown> {
  return {
    saleId: item.saleId, kind: item.kind, productId: item.productId, productTitle: item.productTitle, channelId: item.channelId,
    buyerId: item.buyerId, buyerHandle: item.buyerHandle, price: item.price, currency: item.currency, soldAt: item.soldAt,
    streamId: item.streamId ?? null, recordingId: item.recordingId ?? null, offsetMs: item.offsetMs ?? null,
  };
}

/** A data-source error not handled by the resolver (lib/errors.ts): typed VALIDATION when the input caused it. */
export { failOnError } from './errors';

/**
 * Sale + order items of one sale (buy-now or auction close), with the stream and recording
 * moment taken from the channel's profile at the time of sale.
 */
export function saleItems(
  tableName: string,
  p: { saleId: string; orderId: string; kind: string; product: Record<string, unknown>; buyerId: string; buyerHandle: string; price: number; soldAt: string; soldAtMs: number; profile: Record<string, unknown> | null },
): { sale: Record<string, unknown>; items: Record<string, unknown>[] } {
  const profile = p.profile ?? {};
  const sale: Record<string, unknown> = {
    type: 'Sale', saleId: p.saleId, kind: p.kind, productId: p.product.productId, productTitle: p.product.title,
    channelId: p.product.channelId, buyerId: p.buyerId, buyerHandle: p.buyerHandle, price: p.price,
    currency: p.product.currency, soldAt: p.soldAt, orderId: p.orderId,
    GSI3PK: channelSalesPk(p.product.channelId as string), GSI3SK: p.soldAt,
  };
  if (profile.status === 'LIVE' && profile.currentStreamId) {
    sale.streamId = profile.currentStreamId;
    sale.GSI1PK = streamSalesPk(profile.currentStreamId as string);
    sale.GSI1SK = p.soldAt;
  }
  if (profile.currentRecordingId && profile.recordingStartedAt) {
    const offset = p.soldAtMs - util.time.parseISO8601ToEpochMilliSeconds(profile.recordingStartedAt as string);
    const offsetMs = offset < 0 ? 0 : offset;
    sale.recordingId = profile.currentRecordingId;
    sale.offsetMs = offsetMs;
    sale.GSI2PK = recordingSalesPk(profile.currentRecordingId as string);
    sale.GSI2SK = recordingOffsetSk(offsetMs);
  }
  const order = {
    type: 'Order', orderId: p.orderId, saleId: p.saleId, productId: p.product.productId, productTitle: p.product.title,
    channelId: p.product.channelId, buyerId: p.buyerId, price: p.price, currency: p.product.currency, soldAt: p.soldAt, status: 'PENDING_PAYMENT',
  };
  return {
    sale,
    items: [
      {
        table: tableName, operation: 'PutItem',
        key: util.dynamodb.toMapValues(saleKey(p.saleId)),
        attributeValues: util.dynamodb.toMapValues(sale),
        condition: { expression: 'attribute_not_exists(PK)' },
      },
      {
        table: tableName, operation: 'PutItem',
        key: util.dynamodb.toMapValues(orderKey(p.buyerId, p.soldAt, p.orderId)),
        attributeValues: util.dynamodb.toMapValues(order),
        condition: { expression: 'attribute_not_exists(PK)' },
      },
    ],
  };
}
