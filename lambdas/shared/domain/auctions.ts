/**
 * Auction rules, pure and APPSYNC_JS-compatible (no loops over unbounded data, no regex, no
 * classes), so resolvers bundle these same functions.
 */

/** Default increment ladder by price band, minor units: price below `below` → `increment`. */
export const INCREMENT_LADDER: readonly { readonly below: number; readonly increment: number }[] = [
  { below: 1_000, increment: 50 },
  { below: 5_000, increment: 100 },
  { below: 10_000, increment: 250 },
  { below: 50_000, increment: 500 },
  { below: 100_000, increment: 1_000 },
  { below: Number.MAX_SAFE_INTEGER, increment: 2_500 },
];

export interface AuctionState {
  readonly status: string;
  readonly sellerId: string;
  readonly startingBid: number;
  readonly bidIncrement?: number | null;
  readonly currentPrice?: number | null;
  readonly bidCount: number;
  readonly endsAt?: string | null;
  readonly softCloseSeconds?: number | null;
}

/** Increment above `price`: the product's fixed one, else the ladder's. */
export function incrementFor(price: number, fixed?: number | null): number {
  if (fixed) return fixed;
  const band = INCREMENT_LADDER.find((b) => price < b.below);
  return band ? band.increment : 2_500;
}

/** Smallest acceptable next bid. */
export function minNextBid(a: Pick<AuctionState, 'startingBid' | 'bidIncrement' | 'currentPrice' | 'bidCount'>): number {
  if (!a.bidCount || a.currentPrice === null || a.currentPrice === undefined) return a.startingBid;
  return a.currentPrice + incrementFor(a.currentPrice, a.bidIncrement);
}

/**
 * Price intervals [low, high] the current price must lie in for `amount` to be a valid next bid
 * (one per ladder band, or one with a fixed increment). A conditional write over these intervals
 * is exact even when other bids land between the read and the write.
 */
export function acceptablePriceRanges(amount: number, fixed?: number | null): { low: number; high: number }[] {
  if (fixed) return amount - fixed >= 0 ? [{ low: 0, high: amount - fixed }] : [];
  const ranges: { low: number; high: number }[] = [];
  let low = 0;
  for (const band of INCREMENT_LADDER) {
    const high = Math.min(band.below - 1, amount - band.increment);
    if (high >= low) ranges.push({ low, high });
    low = band.below;
  }
  return ranges;
}

export type BidRejection =
  | { code: 'AUCTION_CLOSED'; message: string }
  | { code: 'NOT_OWNER'; message: string }
  | { code: 'UNAUTHORIZED'; message: string }
  | { code: 'BID_TOO_LOW'; message: string; minimum: number };

/** Why a bid is refused, or null when it is acceptable. */
export function checkBid(a: AuctionState, bid: { bidderId: string; amount: number; banned: boolean }, nowMs: number): BidRejection | null {
  if (a.status !== 'AUCTION_OPEN' || !a.endsAt || Date.parse(a.endsAt) <= nowMs) return { code: 'AUCTION_CLOSED', message: 'The auction is not open' };
  if (a.sellerId === bid.bidderId) return { code: 'NOT_OWNER', message: 'Sellers cannot bid on their own products' };
  if (bid.banned) return { code: 'UNAUTHORIZED', message: 'You are banned from this channel' };
  const minimum = minNextBid(a);
  if (bid.amount < minimum) return { code: 'BID_TOO_LOW', message: `The minimum bid is ${minimum}`, minimum };
  return null;
}

/** Soft close: a bid in the last N seconds moves the end to now + N (never earlier). */
export function softCloseEndsAt(endsAt: string, nowMs: number, softCloseSeconds?: number | null): string {
  if (!softCloseSeconds) return endsAt;
  const end = Date.parse(endsAt);
  const extended = nowMs + softCloseSeconds * 1000;
  return end - nowMs < softCloseSeconds * 1000 && extended > end ? new Date(extended).toISOString() : endsAt;
}

/** Close outcome: a sale to the high bidder, or no sale without bids. */
export function closeOutcome(a: { bidCount: number; highBidderId?: string | null; currentPrice?: number | null }):
  | { outcome: 'SOLD'; buyerId: string; price: number }
  | { outcome: 'NO_SALE' } {
  if (a.bidCount > 0 && a.highBidderId && a.currentPrice !== null && a.currentPrice !== undefined) {
    return { outcome: 'SOLD', buyerId: a.highBidderId, price: a.currentPrice };
  }
  return { outcome: 'NO_SALE' };
}

/**
 * The latest accepted bid ids the product item keeps (`recentBidIds`) so a retried bid is
 * recognised by the single conditional write itself. The stream consumer (lambdas/bid-history)
 * trims the list's head once it holds more than RECENT_BIDS_TRIM_AT ids, down to RECENT_BIDS_KEPT,
 * after it has written those bids' history items (older retries are answered from history). The
 * single write refuses when the list reached RECENT_BIDS_MAX (the consumer is far behind); the exact
 * path then rewrites it with the newest RECENT_BIDS_KEPT ids. The list is kept short because the
 * product item is rewritten by every bid (measured: 100 ids cost ~+0.6 ms per write on DynamoDB Local).
 */
export const RECENT_BIDS_MAX = 128;
/** The consumer's trim is the fallback behind the bids' own rotation (ROTATE_AT). */
export const RECENT_BIDS_TRIM_AT = 48;
export const RECENT_BIDS_KEPT = 16;

/**
 * The list also rotates without the consumer, so a lagging consumer cannot fill it: the accepted
 * bid whose write made `recentBidIds` ROTATE_AT long (and every ROTATE_EVERY ids after, should a
 * rotation be overtaken) moves it to `olderBidIds` in one more write, dropping the older list.
 * Returns whether this accepted bid's new list length asks for that.
 */
export const ROTATE_AT = 20;
export const ROTATE_EVERY = 8;
export function shouldRotate(listLength: number): boolean {
  return listLength >= ROTATE_AT && (listLength - ROTATE_AT) % ROTATE_EVERY === 0;
}

/**
 * The rotation's `trimmedPrice`: it drops the older list, whose ids were all accepted before the
 * previous rotation's write, i.e. at most that write's price (`rotatedAtPrice`); never lower than
 * the bound already there.
 */
export function rotationTrimmedPrice(p: { trimmedPrice?: number | null; rotatedAtPrice?: number | null }): number {
  return Math.max(p.trimmedPrice ?? 0, p.rotatedAtPrice ?? 0);
}

/** The newest ids kept when the slow path rewrites `recentBidIds` (the new id last). */
export function keptBidIds(recent: readonly string[] | null | undefined, bidId: string): string[] {
  const list = recent ? recent.slice(Math.max(0, recent.length - (RECENT_BIDS_KEPT - 1))) : [];
  list.push(bidId);
  return list;
}

/** Whether the product item still lists `bidId` among its accepted bids' ids (either list). */
export function isListedBid(p: { recentBidIds?: readonly string[] | null; olderBidIds?: readonly string[] | null }, bidId: string): boolean {
  return (p.recentBidIds ?? []).indexOf(bidId) >= 0 || (p.olderBidIds ?? []).indexOf(bidId) >= 0;
}

/**
 * Could a bid the product refused be a retry of a bid it accepted earlier? From the product item
 * alone (no history read): accepted amounts only rise, ids are appended to `recentBidIds` in that
 * order, and whoever drops ids (the consumer's trim of the head, a rotation dropping
 * `olderBidIds`, the exact path's rewrite) records in `trimmedPrice` an amount at least as high as
 * every dropped bid's. So an id in either list (or the last bid) is a `known` retry, an id in
 * neither whose amount is above `trimmedPrice` was `never` accepted, and anything else
 * (`maybe`: at or below it, or a product without the list) needs the history item.
 */
export function retryStatus(
  p: { recentBidIds?: readonly string[] | null; olderBidIds?: readonly string[] | null; trimmedPrice?: number | null; lastBid?: { bidId: string } | null },
  bid: { bidId: string; amount: number },
): 'known' | 'maybe' | 'never' {
  if (p.lastBid && p.lastBid.bidId === bid.bidId) return 'known';
  if (!p.recentBidIds) return 'maybe';
  if (isListedBid(p, bid.bidId)) return 'known';
  return bid.amount > (p.trimmedPrice ?? 0) ? 'never' : 'maybe';
}

/**
 * Start of the soft-close window (ISO): a bid at or after it must move the end. Without soft
 * close it is the end itself. Stored on the product as `softCloseAt` so the single-write bid can
 * require `softCloseAt > now` (no extension needed) without reading the product first.
 */
export function softCloseStart(endsAt: string, softCloseSeconds?: number | null): string {
  if (!softCloseSeconds) return endsAt;
  return new Date(Date.parse(endsAt) - softCloseSeconds * 1000).toISOString();
}

/** The last accepted bid as the product item records it (`lastBid`). */
export interface LastBid {
  readonly bidId: string;
  readonly bidderId: string;
  readonly bidderHandle: string;
  readonly amount: number;
  readonly placedAt: string;
}

/**
 * The BidPlaced payload of the product's last accepted bid, from the product item written by that
 * bid (values DynamoDB computed in the same write: bidCount, minNextBid, prevHighBidderId).
 */
export function placedFromProduct(p: {
  channelId: string; productId: string; currency: string; minNextBid: number; bidCount: number; endsAt: string;
  prevHighBidderId?: string | null; lastBid: LastBid;
}): Record<string, unknown> {
  return {
    channelId: p.channelId, productId: p.productId, bidId: p.lastBid.bidId, bidderId: p.lastBid.bidderId, bidderHandle: p.lastBid.bidderHandle,
    amount: p.lastBid.amount, currency: p.currency, currentPrice: p.lastBid.amount, minNextBid: p.minNextBid, bidCount: p.bidCount,
    endsAt: p.endsAt, placedAt: p.lastBid.placedAt, previousHighBidderId: p.prevHighBidderId ?? null,
  };
}
