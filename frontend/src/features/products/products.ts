import { z } from 'zod';
import type { BidPlaced, Product } from '../../lib/types';

// Mirrors the minimal product rules until COMMERCE's lambdas/shared/domain/product-schema.ts
// exists; the server stays the authority (its errors are shown as they come back).

const money = z.number().int('Whole minor units only').positive('Must be more than 0').max(100_000_000, 'Too large');

/** Type-specific parameters, validated per product type. */
export const paramsSchemas = {
  GENERIC: z.object({}).strict(),
  APPAREL: z.object({ size: z.enum(['XS', 'S', 'M', 'L', 'XL', 'XXL']), colour: z.string().trim().min(1, 'Colour is required').max(40) }),
  COLLECTIBLE: z.object({
    grade: z.string().trim().min(1, 'Grade is required').max(20),
    year: z.number().int().min(1800, 'Year looks wrong').max(new Date().getUTCFullYear() + 1, 'Year is in the future'),
  }),
} as const;

/** Create-product form rules (real-time validation in the studio modal). */
export const createProductSchema = z
  .object({
    channelId: z.string().min(1),
    title: z.string().trim().min(3, 'At least 3 characters').max(120, 'At most 120 characters'),
    description: z.string().max(2000, 'At most 2000 characters').optional(),
    imageUrl: z.url('Must be a URL').optional(),
    type: z.enum(['GENERIC', 'APPAREL', 'COLLECTIBLE']),
    params: z.record(z.string(), z.unknown()).default({}),
    saleMode: z.enum(['AUCTION', 'BUY_NOW', 'AUCTION_WITH_BUY_NOW']),
    currency: z.string().regex(/^[A-Z]{3}$/, 'ISO currency code'),
    startingBid: money.optional(),
    bidIncrement: money.optional(),
    buyNowPrice: money.optional(),
    durationSeconds: z.number().int().min(15, 'At least 15 s').max(3600, 'At most 1 hour').optional(),
    softCloseSeconds: z.number().int().min(0).max(120, 'At most 120 s').optional(),
  })
  .superRefine((p, ctx) => {
    const auction = p.saleMode !== 'BUY_NOW';
    if (auction && p.startingBid == null) ctx.addIssue({ code: 'custom', path: ['startingBid'], message: 'Starting bid is required for auctions' });
    if (auction && p.durationSeconds == null) ctx.addIssue({ code: 'custom', path: ['durationSeconds'], message: 'Duration is required for auctions' });
    if (p.saleMode !== 'AUCTION' && p.buyNowPrice == null) ctx.addIssue({ code: 'custom', path: ['buyNowPrice'], message: 'Buy-now price is required' });
    if (p.saleMode === 'AUCTION_WITH_BUY_NOW' && p.buyNowPrice != null && p.startingBid != null && p.buyNowPrice <= p.startingBid)
      ctx.addIssue({ code: 'custom', path: ['buyNowPrice'], message: 'Buy-now price must be above the starting bid' });
    const params = paramsSchemas[p.type].safeParse(p.params);
    if (!params.success) for (const i of params.error.issues) ctx.addIssue({ code: 'custom', path: ['params', ...i.path.map(String)], message: i.message });
  });

/** Form input accepted by createProductSchema. */
export type CreateProductForm = z.input<typeof createProductSchema>;

/** Validates the form and returns field → first message (keys like "title", "params.size"). */
export function validateProduct(form: CreateProductForm): { ok: true; value: z.output<typeof createProductSchema> } | { ok: false; errors: Record<string, string> } {
  const r = createProductSchema.safeParse(form);
  if (r.success) return { ok: true, value: r.data };
  const errors: Record<string, string> = {};
  for (const i of r.error.issues) {
    const key = i.path.join('.') || 'form';
    errors[key] ??= i.message;
  }
  // Refinements are skipped while a base field is invalid; check params anyway so the
  // form shows every problem at once.
  const ps = paramsSchemas[form.type]?.safeParse(form.params ?? {});
  if (ps && !ps.success) for (const i of ps.error.issues) errors[['params', ...i.path.map(String)].join('.')] ??= i.message;
  return { ok: false, errors };
}

/** Default increment ladder by price band (used when the product has no fixed increment). */
export function defaultIncrement(price: number): number {
  if (price < 1_000) return 50;
  if (price < 5_000) return 100;
  if (price < 25_000) return 250;
  if (price < 100_000) return 500;
  return 1_000;
}

/** The smallest acceptable next bid as the client knows it. */
export function minNextBid(p: Product): number {
  if (p.minNextBid != null) return p.minNextBid;
  if (p.currentPrice == null) return p.startingBid ?? 0;
  return p.currentPrice + (p.bidIncrement ?? defaultIncrement(p.currentPrice));
}

/** Client-side bid check; returns an error message or null. */
export function checkBid(p: Product, amount: number | null, userId: string | null, now = Date.now()): string | null {
  if (!userId) return 'Sign in to bid';
  if (p.status !== 'AUCTION_OPEN') return 'Bidding is not open';
  if (p.endsAt && Date.parse(p.endsAt) <= now) return 'The auction has ended';
  if (amount == null || !Number.isInteger(amount) || amount <= 0) return 'Enter an amount';
  if (p.highBidderId === userId) return 'You already have the high bid';
  const min = minNextBid(p);
  if (amount < min) return `Bid at least ${min}`;
  return null;
}

/** Optimistic view of a product after the caller's bid is sent (before the server answers). */
export function applyOptimisticBid(p: Product, amount: number, userId: string, handle: string): Product {
  return { ...p, currentPrice: amount, highBidderId: userId, highBidderHandle: handle, bidCount: p.bidCount + 1, minNextBid: amount + (p.bidIncrement ?? defaultIncrement(amount)) };
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
