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
  if (a.status !== 'AUCTION_OPEN' || !a.endsAtMs || a.endsAtMs <= nowMs) return { code: 'AUCTION_CLOSED', message: 'The auction is not open' };
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
export function closeOutcome(a: { bidCount: number; highBidderId?: string | null; currentPrice?: number | null }):
  | { outcome: 'SOLD'; buyerId: string; price: number }
  | { outcome: 'NO_SALE' } {
  if (a.bidCount > 0 && a.highBidderId && a.currentPrice !== null && a.currentPrice !== undefined) {
    return { outcome: 'SOLD', buyerId: a.highBidderId, price: a.currentPrice };
  }
  return { outcome: 'NO_SALE' };
}

/**
 * Idempotency without a read: the product item keeps the ids of its accepted bids, bucketed by
 * amount, in list attributes `bidIds<k>` (k = bidBucket(amount)), until their history items exist.
 * Accepted amounts only rise, so buckets fill in order and a bucket below the newest one is never
 * written again. The write that accepts a bid appends its id to its own bucket and nothing else
 * (no list to fill, no second write). The stream consumer, once it has written the history of the
 * bids in a batch, removes the buckets below the one under the newest bid and raises
 * `bidBucketFloor` (consumerBucketTrim). As a bound should the consumer stop, each accepted write
 * also removes the BID_BUCKET_SWEEP buckets BID_BUCKET_KEEP below its own (a quarter of its amount
 * and less). Buckets are 1/32 to 1/64 of the amount wide: at most (width / increment) + 1 ids each.
 */
export const BID_BUCKET_BITS = 5;
export const BID_BUCKET_KEEP = 64;
export const BID_BUCKET_SWEEP = 8;
const BUCKETS_PER_OCTAVE = 32;

/** The bucket of an amount (minor units): monotone, exact up to 2^53, no loops (APPSYNC_JS). */
export function bidBucket(amount: number): number {
  if (amount < 2 * BUCKETS_PER_OCTAVE) return amount < 0 ? 0 : Math.floor(amount);
  // p = the largest power of two <= amount, e = log2(p), by halving steps.
  let x = amount;
  let p = 1;
  let e = 0;
  if (x >= 4294967296) { x = Math.floor(x / 4294967296); p = p * 4294967296; e = e + 32; }
  if (x >= 65536) { x = Math.floor(x / 65536); p = p * 65536; e = e + 16; }
  if (x >= 256) { x = Math.floor(x / 256); p = p * 256; e = e + 8; }
  if (x >= 16) { x = Math.floor(x / 16); p = p * 16; e = e + 4; }
  if (x >= 4) { x = Math.floor(x / 4); p = p * 4; e = e + 2; }
  if (x >= 2) { p = p * 2; e = e + 1; }
  // [p, 2p) holds 32 buckets of width p / 32, numbered on from the octave below.
  return BUCKETS_PER_OCTAVE * (e - BID_BUCKET_BITS) + Math.floor(amount / (p / BUCKETS_PER_OCTAVE));
}

/** The list attribute holding the ids of accepted bids in a bucket. */
export function bidIdsAttr(bucket: number): string {
  return `bidIds${bucket}`;
}

/** `REMOVE #<tag>0, #<tag>1, ...` for attribute names, with their name map ('' when there are none). */
export function removeClause(attrs: readonly string[], tag: string): { expression: string; names: Record<string, string> } {
  const names: Record<string, string> = {};
  let i = 0;
  for (const attr of attrs) {
    names[`#${tag}${i}`] = attr;
    i = i + 1;
  }
  return { expression: attrs.length ? `REMOVE ${Object.keys(names).join(', ')}` : '', names };
}

/** What the write accepting a bid of `amount` does to the id buckets: appends to one, sweeps far below. */
export function bidIdsChange(amount: number): { bucket: number; removed: number[] } {
  const bucket = bidBucket(amount);
  const removed: number[] = [];
  for (const i of [1, 2, 3, 4, 5, 6, 7, 8].slice(0, BID_BUCKET_SWEEP)) {
    if (bucket - BID_BUCKET_KEEP - i >= 0) removed.push(bucket - BID_BUCKET_KEEP - i);
  }
  return { bucket, removed };
}

const bucketsOn = (p: Record<string, unknown>): number[] =>
  Object.keys(p).filter((k) => k.startsWith('bidIds')).map((k) => Number(k.slice(6))).filter((n) => n === Math.floor(n));

/**
 * Buckets an accepted write left below its sweep (a bid jumped past more than the sweep): never
 * written again, so removable without a condition (pruneBidIds).
 */
export function staleBidIdBuckets(p: Record<string, unknown>): string[] {
  if (typeof p.currentPrice !== 'number') return [];
  const below = bidBucket(p.currentPrice) - BID_BUCKET_KEEP - BID_BUCKET_SWEEP;
  return bucketsOn(p).filter((b) => b < below).map(bidIdsAttr);
}

/**
 * The consumer's trim of a product image whose bids all have history items: every bucket below
 * the one under the newest bid's, and the new floor; null when there is nothing to remove.
 */
export function consumerBucketTrim(p: Record<string, unknown>): { remove: string[]; floor: number } | null {
  if (typeof p.currentPrice !== 'number') return null;
  const floor = bidBucket(p.currentPrice) - 1;
  const remove = bucketsOn(p).filter((b) => b < floor).map(bidIdsAttr);
  return remove.length ? { remove, floor } : null;
}

type BucketedProduct = {
  bidBucketFloor?: number | null; bidCount?: number | null; currentPrice?: number | null; lastBid?: { bidId: string } | null;
  [attr: string]: unknown;
};

/** Whether the product item still lists `bid` among its accepted bids (its amount's bucket). */
export function isListedBid(p: BucketedProduct, bid: { bidId: string; amount: number }): boolean {
  const ids = p[bidIdsAttr(bidBucket(bid.amount))];
  return Array.isArray(ids) && ids.indexOf(bid.bidId) >= 0;
}

/**
 * Could a bid the product refused be a retry of a bid it accepted earlier? From the product item
 * alone (no history read). A retry carries its original amount, and every accepted amount is at
 * most the current price. A bucket on the item lists every accepted bid of its amounts. A bucket
 * missing at or above `bidBucketFloor` (below it the consumer removed buckets whose history is
 * written) and within BID_BUCKET_KEEP of the price's (below it writes sweep) never had one. So:
 * the last bid, or an id in its bucket, is a `known` retry; an amount above the price, or an id
 * missing from a bucket that is complete, was `never` accepted; a removed bucket (or a product
 * from before the buckets) is `maybe`: the history item answers.
 */
export function retryStatus(p: BucketedProduct, bid: { bidId: string; amount: number }): 'known' | 'maybe' | 'never' {
  if (p.lastBid && p.lastBid.bidId === bid.bidId) return 'known';
  if (!p.bidCount || p.currentPrice === null || p.currentPrice === undefined || bid.amount > p.currentPrice) return 'never';
  if (typeof p.bidBucketFloor !== 'number') return 'maybe';
  const bucket = bidBucket(bid.amount);
  const ids = p[bidIdsAttr(bucket)];
  if (Array.isArray(ids)) return ids.indexOf(bid.bidId) >= 0 ? 'known' : 'never';
  return bucket >= p.bidBucketFloor && bucket >= bidBucket(p.currentPrice) - BID_BUCKET_KEEP ? 'never' : 'maybe';
}

/**
 * Start of the soft-close window (epoch ms): a bid at or after it must move the end. Without soft
 * close it is the end itself. Stored on the product as `softCloseAt` so the single-write bid can
 * require `softCloseAt > now` (no extension needed) without reading the product first.
 */
export function softCloseStartMs(endMs: number, softCloseSeconds?: number | null): number {
  return softCloseSeconds ? endMs - softCloseSeconds * 1000 : endMs;
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
