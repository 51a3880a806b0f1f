/**
 * Auction rules, pure and APPSYNC_JS-compatible (no loops over unbounded data, no regex, no
 * classes, no `Date`), so resolvers bundle these same functions. Instants are epoch milliseconds:
 * the caller parses and formats ISO strings with its own clock (`util.time` in a resolver), since
 * AppSync's runtime does not document `Date`. The AppSync lint covers this file (eslint.config.js).
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
  /** The auction's end, epoch ms (null before it starts). */
  readonly endsAtMs?: number | null;
  readonly softCloseSeconds?: number | null;
}

/** Increment above `price`: the product's fixed one, else the ladder's. */
export function incrementFor(price: number, fixed?: number | null): number {
  if (fixed) return fixed;
  // for-of, not ReadonlyArray.find: the AppSync lint allows callbacks only on mutable arrays' methods.
  for (const band of INCREMENT_LADDER) {
    if (price < band.below) return band.increment;
  }
  return 2_500;
}

/** Smallest acceptable next bid. */
export function minNextBid(
  a: Pick<AuctionState, 'startingBid' | 'bidIncrement' | 'currentPrice' | 'bidCount'>,
): number {
  if (!a.bidCount || a.currentPrice === null || a.currentPrice === undefined) return a.startingBid;
  return a.currentPrice + incrementFor(a.currentPrice, a.bidIncrement);
}

export type BidRejection =
  | { code: 'AUCTION_CLOSED'; message: string }
  | { code: 'NOT_OWNER'; message: string }
  | { code: 'UNAUTHORIZED'; message: string }
  | { code: 'BID_TOO_LOW'; message: string; minimum: number };

/** Why a bid is refused, or null when it is acceptable. */
export function checkBid(
  a: AuctionState,
  bid: { bidderId: string; amount: number; banned: boolean },
  nowMs: number,
): BidRejection | null {
  if (a.status !== 'AUCTION_OPEN' || !a.endsAtMs || a.endsAtMs <= nowMs)
    return { code: 'AUCTION_CLOSED', message: 'The auction is not open' };
  if (a.sellerId === bid.bidderId) return { code: 'NOT_OWNER', message: 'Sellers cannot bid on their own products' };
  if (bid.banned) return { code: 'UNAUTHORIZED', message: 'You are banned from this channel' };
  const minimum = minNextBid(a);
  if (bid.amount < minimum) return { code: 'BID_TOO_LOW', message: `The minimum bid is ${minimum}`, minimum };
  return null;
}

/** Soft close: a bid in the last N seconds moves the end (epoch ms) to now + N (never earlier). */
export function softCloseEndMs(endMs: number, nowMs: number, softCloseSeconds?: number | null): number {
  if (!softCloseSeconds) return endMs;
  const extended = nowMs + softCloseSeconds * 1000;
  return endMs - nowMs < softCloseSeconds * 1000 && extended > endMs ? extended : endMs;
}

/** Close outcome: a sale to the high bidder, or no sale without bids. */
export function closeOutcome(a: {
  bidCount: number;
  highBidderId?: string | null;
  currentPrice?: number | null;
}): { outcome: 'SOLD'; buyerId: string; price: number } | { outcome: 'NO_SALE' } {
  if (a.bidCount > 0 && a.highBidderId && a.currentPrice !== null && a.currentPrice !== undefined) {
    return { outcome: 'SOLD', buyerId: a.highBidderId, price: a.currentPrice };
  }
  return { outcome: 'NO_SALE' };
}
