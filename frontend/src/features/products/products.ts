import { incrementFor } from '../../../../lambdas/shared/domain/auctions';
import { toDecimalString } from '../../../../lambdas/shared/domain/money';
import { formatMoney } from '../../lib/format';
import type { BidPlaced, Product } from '../../lib/types';

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
  if (p.status !== 'AUCTION_OPEN') return 'Bidding is not open';
  if (p.endsAt && Date.parse(p.endsAt) <= now) return 'The auction has ended';
  if (amount == null || !Number.isInteger(amount) || amount <= 0) return 'Enter an amount';
  if (p.highBidderId === userId) return 'You already have the high bid';
  const min = minNextBid(p);
  if (amount < min) return `Bid at least ${formatMoney(min, p.currency)}`;
  return null;
}

/** Optimistic view of a product after the caller's bid is sent (before the server answers). */
export function applyOptimisticBid(p: Product, amount: number, userId: string, handle: string): Product {
  return { ...p, currentPrice: amount, highBidderId: userId, highBidderHandle: handle, bidCount: p.bidCount + 1, minNextBid: amount + incrementFor(amount, p.bidIncrement) };
}

/**
 * Applies an authoritative BidPlaced (own answer or subscription). Events can arrive out of order:
 * a bid older than what we show (lower count) is ignored.
 */
export function applyBidPlaced(p: Product, b: BidPlaced): Product {
  if (p.productId !== b.productId) return p;
  if (b.bidCount < p.bidCount && p.highBidderId !== b.bidderId) return p;
  return { ...p, currentPrice: b.currentPrice, minNextBid: b.minNextBid, bidCount: b.bidCount, highBidderId: b.bidderId, highBidderHandle: b.bidderHandle, endsAt: b.endsAt ?? p.endsAt ?? null };
}

/** Orders products like the API: featured first, then open auctions (ending soonest), then newest. */
export function sortProducts(list: Product[]): Product[] {
  const rank = (p: Product) => (p.featured ? 0 : p.status === 'AUCTION_OPEN' ? 1 : p.status === 'DRAFT' ? 2 : 3);
  return [...list].sort((a, b) => rank(a) - rank(b) || (a.status === 'AUCTION_OPEN' && b.status === 'AUCTION_OPEN' ? Date.parse(a.endsAt ?? '') - Date.parse(b.endsAt ?? '') : Date.parse(b.createdAt) - Date.parse(a.createdAt)));
}

/** Replaces or inserts a product by id. */
export function upsertProduct(list: Product[], p: Product): Product[] {
  const i = list.findIndex((x) => x.productId === p.productId);
  const next = i < 0 ? [...list, p] : list.map((x, j) => (j === i ? { ...x, ...p } : p.featured && x.featured ? { ...x, featured: false } : x));
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
    return Object.entries(v).map(([k, x]) => `${k[0]?.toUpperCase()}${k.slice(1)} ${String(x)}`).join(' · ');
  } catch {
    return '';
  }
}
