/**
 * How the simulated audience bids: a couple of opening bids when a lot opens, the odd bid in the
 * middle, and a flurry in the last seconds, where each bid trips the soft close and pushes the end
 * back, for a few rounds, until the bidders stop. Pure: the caller polls the auction and passes the
 * clock and the randomness in, and places the bid it answers through the API.
 */
import type { Rng } from './lines';

/** The auction as the bidders see it from the product they poll. */
export interface AuctionView {
  readonly status: string;
  /** The current end, epoch ms (moves with the soft close). */
  readonly endsAtMs: number | null;
  /** When the bidders first saw the auction open, epoch ms. */
  readonly openedAtMs: number;
  readonly minNextBid: number;
  readonly bidCount: number;
  readonly highBidderId: string | null;
  /** The price step above the current price (the ladder's, or the product's own). */
  readonly increment: number;
  /** Times the end has moved back since the bidders first saw it. */
  readonly extensions: number;
  /** After this many extensions the bidders let the lot go (chosen when it opens). */
  readonly maxExtensions: number;
}

/** One bidder's plan for the lot: who, and how far they go. */
export interface Bidder {
  readonly userId: string;
  /** Highest amount they bid, minor units. */
  readonly maxPrice: number;
}

/** Tuning of the bidding, in one place. */
export const BIDDING = {
  /** Bids in this last stretch are the "last seconds" ones (well inside the demo lots' 15 s soft close). */
  lastSecondsMs: 7_000,
  /** A bid arriving later than this before the end would risk landing after it. */
  tooLateMs: 800,
  /** The opening stretch, when the first few bids come in quickly. */
  openingMs: 40_000,
  openingBids: 6,
  /** Chance per poll that someone bids: opening, middle, last seconds. */
  chance: { opening: 0.4, middle: 0.25, last: 0.6 },
} as const;

/** The next bid to place at `nowMs`, or null: which bidder (index into `bidders`) and how much. */
export function nextBid(
  a: AuctionView,
  bidders: readonly Bidder[],
  nowMs: number,
  rng: Rng,
): { bidder: number; amount: number } | null {
  if (a.status !== 'AUCTION_OPEN' || a.endsAtMs === null || a.endsAtMs - nowMs <= BIDDING.tooLateMs) return null;
  const candidates = bidders.flatMap((b, i) => (b.userId !== a.highBidderId && b.maxPrice >= a.minNextBid ? [i] : []));
  if (candidates.length === 0) return null;
  const left = a.endsAtMs - nowMs;
  const late = left <= BIDDING.lastSecondsMs;
  if (late && a.extensions >= a.maxExtensions) return null;
  const chance = late
    ? BIDDING.chance.last
    : nowMs - a.openedAtMs < BIDDING.openingMs && a.bidCount < BIDDING.openingBids
      ? BIDDING.chance.opening
      : BIDDING.chance.middle;
  if (rng() >= chance) return null;
  const bidder = candidates[Math.min(candidates.length - 1, Math.floor(rng() * candidates.length))] as number;
  // In the last seconds people jump a step now and then; never past what they set out to pay.
  const jump = late && rng() < 0.3 ? a.increment : 0;
  const amount = Math.min(a.minNextBid + jump, (bidders[bidder] as Bidder).maxPrice);
  return { bidder, amount };
}

/** Each bidder's limit for a lot starting at `startingBid`: between 1.5 and 3.5 times it. */
export function bidderLimits(userIds: readonly string[], startingBid: number, rng: Rng): Bidder[] {
  return userIds.map((userId) => ({ userId, maxPrice: Math.round(startingBid * (1.5 + 2 * rng())) }));
}
