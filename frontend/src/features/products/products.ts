import { incrementFor } from '../../../../lambdas/shared/domain/auctions';
import {
  availability,
  canBid,
  canBuyNow,
  type Availability,
  type AvailabilityInput,
} from '../../../../lambdas/shared/domain/availability';
import { toDecimalString } from '../../../../lambdas/shared/domain/money';
import { formatMoney, plural } from '../../lib/format';
import type { BidPlaced, Product, Sale } from '../../lib/types';

const ruleInput = (p: Product): AvailabilityInput => ({
  status: p.status,
  saleMode: p.saleMode,
  buyNowPrice: p.buyNowPrice ?? null,
  endsAtMs: p.endsAt ? Date.parse(p.endsAt) : null,
});

/** Where the product stands for buyers: the rule the buy-now resolver enforces (domain/availability.ts). */
export function productAvailability(p: Product, now = Date.now()): Availability {
  return availability(ruleInput(p), now);
}

/** Whether the card offers an active Buy now button: the server's rule, so the two never disagree. */
export function buyable(p: Product, now = Date.now()): boolean {
  return canBuyNow(ruleInput(p), now);
}

/** Whether the card offers the bid form. */
export function biddable(p: Product, now = Date.now()): boolean {
  return canBid(ruleInput(p), now);
}

/** The label over the card's main price, true to the product's state ("Current bid" only while it can change). */
export function priceLabel(p: Product, now = Date.now()): string {
  const a = productAvailability(p, now);
  if (a === 'SOLD') return 'Sold for';
  if (a === 'AUCTION_ENDED') return p.currentPrice != null ? 'Winning bid' : 'Starting bid';
  if (a === 'UNSOLD') return p.currentPrice != null ? 'Final bid' : 'Starting bid';
  return p.currentPrice != null ? 'Current bid' : 'Starting bid';
}

/** The card's status line: the outcome for everyone once sold ("Sold to @x for $y"), else what a viewer can do. */
export function statusLine(p: Product, userId: string | null, now = Date.now()): string {
  const a = productAvailability(p, now);
  if (a === 'SOLD') {
    if (!p.sale) return 'Sold';
    return `Sold to @${p.sale.buyerHandle}${p.sale.buyerId === userId ? ' (you)' : ''} for ${formatMoney(p.sale.price, p.sale.currency)}`;
  }
  if (a === 'UNSOLD') return 'Closed, not sold';
  if (a === 'NOT_OPEN') return 'Not open yet';
  if (a === 'ON_SALE') return 'Available now';
  const high = p.highBidderHandle ? ` · high: @${p.highBidderHandle}${p.highBidderId === userId ? ' (you)' : ''}` : '';
  return `${a === 'AUCTION_ENDED' ? 'Auction ended · ' : ''}${plural(p.bidCount, 'bid')}${high}`;
}

/** What the buyer is told about their own sale: an auction is won, a buy-now is purchased. */
export function outcomeText(sale: Pick<Sale, 'kind' | 'productTitle' | 'price' | 'currency'>): string {
  return `${sale.kind === 'AUCTION' ? 'You won' : 'Purchased'} ${sale.productTitle} for ${formatMoney(sale.price, sale.currency)}`;
}

/** The signed-in user's sales among these products that they have not dismissed yet (the lasting banner). */
export function undismissedWins(products: Product[], userId: string | null, dismissed: ReadonlySet<string>): Sale[] {
  if (!userId) return [];
  return products.flatMap((p) =>
    p.status === 'SOLD' && p.sale && p.sale.buyerId === userId && !dismissed.has(p.sale.saleId) ? [p.sale] : [],
  );
}

/** Where the buyer finds the order of a sale. */
export function orderLink(sale: Pick<Sale, 'saleId'>): string {
  return `/account/?tab=orders#order-${encodeURIComponent(sale.saleId)}`;
}

/** A product after its sale is known (purchase answer or subscription). */
export function applySale(p: Product, sale: Sale): Product {
  return p.productId === sale.productId ? { ...p, status: 'SOLD', saleId: sale.saleId, sale } : p;
}

/** The smallest acceptable next bid as the client knows it. */
export function minNextBid(p: Product): number {
  if (p.minNextBid != null) return p.minNextBid;
  if (p.currentPrice == null) return p.startingBid ?? 0;
  return p.currentPrice + incrementFor(p.currentPrice, p.bidIncrement);
}

/** The smallest acceptable next bid as a bidder types it: "430.00", or "430" in a zero-decimal currency like JPY. */
export function minNextBidText(p: Product): string {
  return toDecimalString({ amount: minNextBid(p), currency: p.currency });
}

/** Client-side bid check; returns an error message or null. */
export function checkBid(p: Product, amount: number | null, userId: string | null, now = Date.now()): string | null {
  if (!userId) return 'Sign in to bid';
  const a = productAvailability(p, now);
  if (a === 'AUCTION_ENDED') return 'The auction has ended';
  if (!biddable(p, now)) return 'Bidding is not open';
  if (amount == null || !Number.isInteger(amount) || amount <= 0) return 'Enter an amount';
  if (p.highBidderId === userId) return 'You already have the high bid';
  const min = minNextBid(p);
  if (amount < min) return `Bid at least ${formatMoney(min, p.currency)}`;
  return null;
}

/** Optimistic view of a product after the caller's bid is sent (before the server answers). */
export function applyOptimisticBid(p: Product, amount: number, userId: string, handle: string): Product {
  return {
    ...p,
    currentPrice: amount,
    highBidderId: userId,
    highBidderHandle: handle,
    bidCount: p.bidCount + 1,
    minNextBid: amount + incrementFor(amount, p.bidIncrement),
  };
}

/**
 * Applies an authoritative BidPlaced (own answer or subscription). Events can arrive out of order:
 * a bid older than what we show (lower count) is ignored.
 */
export function applyBidPlaced(p: Product, b: BidPlaced): Product {
  if (p.productId !== b.productId) return p;
  if (b.bidCount < p.bidCount && p.highBidderId !== b.bidderId) return p;
  return {
    ...p,
    currentPrice: b.currentPrice,
    minNextBid: b.minNextBid,
    bidCount: b.bidCount,
    highBidderId: b.bidderId,
    highBidderHandle: b.bidderHandle,
    endsAt: b.endsAt ?? p.endsAt ?? null,
  };
}

/** Orders products like the API: featured first, then open auctions (ending soonest), then newest. */
export function sortProducts(list: Product[]): Product[] {
  const rank = (p: Product) => (p.featured ? 0 : p.status === 'AUCTION_OPEN' ? 1 : p.status === 'DRAFT' ? 2 : 3);
  return [...list].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (a.status === 'AUCTION_OPEN' && b.status === 'AUCTION_OPEN'
        ? Date.parse(a.endsAt ?? '') - Date.parse(b.endsAt ?? '')
        : Date.parse(b.createdAt) - Date.parse(a.createdAt)),
  );
}

/** Replaces or inserts a product by id. */
export function upsertProduct(list: Product[], p: Product): Product[] {
  const i = list.findIndex((x) => x.productId === p.productId);
  const next =
    i < 0
      ? [...list, p]
      : list.map((x, j) => (j === i ? { ...x, ...p } : p.featured && x.featured ? { ...x, featured: false } : x));
  return sortProducts(next);
}

/** Seconds left on an auction, or null if it has no end. */
export function secondsLeft(p: Product, now = Date.now()): number | null {
  return p.endsAt ? Math.max(0, Math.ceil((Date.parse(p.endsAt) - now) / 1000)) : null;
}

/** Whether a BidPlaced means the signed-in user was just outbid. */
export function isOutbid(b: BidPlaced, userId: string | null): boolean {
  return Boolean(userId && b.previousHighBidderId === userId && b.bidderId !== userId);
}

/** Human label for type-specific params JSON ("Size M · navy"). */
export function paramsLabel(p: Product): string {
  if (!p.params) return '';
  try {
    const v = JSON.parse(p.params) as Record<string, unknown>;
    return Object.entries(v)
      .map(([k, x]) => `${k[0]?.toUpperCase()}${k.slice(1)} ${String(x)}`)
      .join(' · ');
  } catch {
    return '';
  }
}

/** placeBid answers the client may send again with the same bid id: a race lost to another bid that left this one valid, or a store that could not answer. */
const RESENDABLE_BID_ERRORS = new Set(['CONFLICT', 'Unavailable']);

/**
 * Sends a bid, and sends it again (same bid id, so it is placed at most once and a repeat gets the
 * first answer) while the server answers CONFLICT or Unavailable, up to `attempts` sends with a
 * short growing pause; any other answer, or the last one, is the caller's.
 */
export async function sendBidWithRetries<T>(
  send: () => Promise<T>,
  attempts = 4,
  pause: (attempt: number) => Promise<void> = (a) => new Promise((r) => setTimeout(r, 150 * 2 ** a)),
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await send();
    } catch (e) {
      const type = (e as { errorType?: string }).errorType;
      if (attempt >= attempts || !type || !RESENDABLE_BID_ERRORS.has(type)) throw e;
      await pause(attempt);
    }
  }
}
