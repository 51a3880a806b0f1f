/**
 * What a viewer may do with a product right now: the one rule the buy-now resolver enforces and
 * the product card shows (the web app imports this file). Pure and APPSYNC_JS-compatible (no
 * `Date`, no regex, no classes): instants are epoch milliseconds the caller reads from its own
 * clock. The AppSync lint covers this file through lib/api/resolver-sources.json.
 *
 * - A buy-now-only listing is on sale from the moment it is listed (it has no auction to open).
 * - A product with an auction takes bids, and its buy-now price if it has one, only while the
 *   auction runs: before the start it is not open yet, and once the end has passed the high
 *   bidder's claim must not be taken by a late purchase while the close is pending.
 */

/** Where a product stands for buyers. */
export type Availability = 'NOT_OPEN' | 'ON_SALE' | 'AUCTION_OPEN' | 'AUCTION_ENDED' | 'SOLD' | 'UNSOLD';

/** The product fields the rule reads (the stored item and the API's Product both have them). */
export interface AvailabilityInput {
  readonly status: string;
  readonly saleMode: string;
  readonly buyNowPrice?: number | null;
  /** The auction's end, epoch ms (null before it starts). */
  readonly endsAtMs?: number | null;
}

/** Where the product stands at `nowMs`. */
export function availability(p: AvailabilityInput, nowMs: number): Availability {
  if (p.status === 'SOLD') return 'SOLD';
  if (p.status === 'UNSOLD') return 'UNSOLD';
  if (p.status === 'AUCTION_OPEN') return p.endsAtMs && p.endsAtMs > nowMs ? 'AUCTION_OPEN' : 'AUCTION_ENDED';
  return p.saleMode === 'BUY_NOW' ? 'ON_SALE' : 'NOT_OPEN';
}

/** Whether the product has a buy-now price at all (auction-only products never do). */
export function offersBuyNow(p: AvailabilityInput): boolean {
  return p.saleMode !== 'AUCTION' && typeof p.buyNowPrice === 'number' && p.buyNowPrice > 0;
}

/** Why buy-now is refused now (the resolver's typed error), or null when it is allowed. */
export type BuyNowRefusal =
  | { code: 'VALIDATION'; message: string }
  | { code: 'ALREADY_SOLD'; message: string }
  | { code: 'AUCTION_NOT_OPEN'; message: string }
  | { code: 'AUCTION_CLOSED'; message: string };

/** The buy-now rule: refusal with its reason, or null. */
export function buyNowRefusal(p: AvailabilityInput, nowMs: number): BuyNowRefusal | null {
  if (!offersBuyNow(p)) return { code: 'VALIDATION', message: 'This product is auction-only' };
  const a = availability(p, nowMs);
  if (a === 'SOLD' || a === 'UNSOLD') return { code: 'ALREADY_SOLD', message: 'Already sold' };
  if (a === 'NOT_OPEN') return { code: 'AUCTION_NOT_OPEN', message: 'Not open yet: buy now opens with the auction' };
  if (a === 'AUCTION_ENDED') return { code: 'AUCTION_CLOSED', message: 'The auction has ended' };
  return null;
}

/** Whether a buy-now purchase is allowed at `nowMs`. */
export function canBuyNow(p: AvailabilityInput, nowMs: number): boolean {
  return buyNowRefusal(p, nowMs) === null;
}

/** Whether bids are taken at `nowMs` (the bid write checks the same status and end). */
export function canBid(p: AvailabilityInput, nowMs: number): boolean {
  return p.saleMode !== 'BUY_NOW' && availability(p, nowMs) === 'AUCTION_OPEN';
}
