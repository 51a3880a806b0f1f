import { describe, expect, it } from 'vitest';
import type { BidPlaced, Product } from '../../../frontend/src/lib/types';
import {
  applyBidPlaced, applyOptimisticBid, checkBid, defaultIncrement, isOutbid, minNextBid, paramsLabel, secondsLeft, sortProducts, upsertProduct,
} from '../../../frontend/src/features/products/products';
import { validateProduct } from '../../../frontend/src/features/products/product-form';

const base: Product = {
  productId: 'p1', channelId: 'c1', title: 'Charizard', type: 'COLLECTIBLE', saleMode: 'AUCTION', currency: 'USD',
  startingBid: 1000, bidCount: 0, status: 'AUCTION_OPEN', featured: false, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z',
  endsAt: new Date(Date.now() + 60_000).toISOString(),
};
const bid = (o: Partial<BidPlaced>): BidPlaced => ({
  channelId: 'c1', productId: 'p1', bidId: 'b', bidderId: 'u2', bidderHandle: 'bob', amount: 1200, currency: 'USD', currentPrice: 1200, minNextBid: 1300, bidCount: 1, placedAt: '2026-01-01T00:00:01Z', ...o,
});

describe('bid rules', () => {
  it('uses the starting bid before the first bid, then the server minNextBid, else the ladder', () => {
    expect(minNextBid(base)).toBe(1000);
    expect(minNextBid({ ...base, currentPrice: 1000 })).toBe(1100);
    expect(minNextBid({ ...base, currentPrice: 1000, bidIncrement: 25 })).toBe(1025);
    expect(minNextBid({ ...base, currentPrice: 1000, minNextBid: 1500 })).toBe(1500);
    expect(defaultIncrement(500)).toBe(50);
    expect(defaultIncrement(200_000)).toBe(1000);
  });

  it('refuses guests, closed auctions, low bids and self-outbidding', () => {
    expect(checkBid(base, 1000, null)).toBe('Sign in to bid');
    expect(checkBid({ ...base, status: 'SOLD' }, 5000, 'u1')).toBe('Bidding is not open');
    expect(checkBid({ ...base, endsAt: '2000-01-01T00:00:00Z' }, 5000, 'u1')).toBe('The auction has ended');
    expect(checkBid(base, 999, 'u1')).toBe('Bid at least 1000');
    expect(checkBid(base, null, 'u1')).toBe('Enter an amount');
    expect(checkBid({ ...base, highBidderId: 'u1', currentPrice: 1000 }, 5000, 'u1')).toBe('You already have the high bid');
    expect(checkBid(base, 1000, 'u1')).toBeNull();
  });

  it('applies an optimistic bid, then reconciles with the server answer', () => {
    const opt = applyOptimisticBid(base, 1500, 'u1', 'amy');
    expect(opt).toMatchObject({ currentPrice: 1500, highBidderId: 'u1', bidCount: 1 });
    const server = applyBidPlaced(opt, bid({ bidderId: 'u1', bidderHandle: 'amy', amount: 1500, currentPrice: 1500, minNextBid: 1600, bidCount: 3 }));
    expect(server).toMatchObject({ currentPrice: 1500, minNextBid: 1600, bidCount: 3 });
  });

  it('ignores an older BidPlaced arriving after a newer one and other products', () => {
    const now = { ...base, currentPrice: 2000, bidCount: 5, highBidderId: 'u3' };
    expect(applyBidPlaced(now, bid({ bidCount: 4, currentPrice: 1800 }))).toBe(now);
    expect(applyBidPlaced(now, bid({ productId: 'other', bidCount: 9 }))).toBe(now);
    expect(applyBidPlaced(now, bid({ bidCount: 6, currentPrice: 2100 })).currentPrice).toBe(2100);
  });

  it('detects outbid for the previous high bidder only', () => {
    expect(isOutbid(bid({ previousHighBidderId: 'u1' }), 'u1')).toBe(true);
    expect(isOutbid(bid({ previousHighBidderId: 'u1' }), 'u9')).toBe(false);
    expect(isOutbid(bid({ previousHighBidderId: 'u1', bidderId: 'u1' }), 'u1')).toBe(false);
    expect(isOutbid(bid({ previousHighBidderId: 'u1' }), null)).toBe(false);
  });

  it('counts down the time left and clamps at zero', () => {
    const t = Date.parse('2026-01-01T00:00:00Z');
    expect(secondsLeft({ ...base, endsAt: '2026-01-01T00:00:10.2Z' }, t)).toBe(11);
    expect(secondsLeft({ ...base, endsAt: '2025-12-31T00:00:00Z' }, t)).toBe(0);
    expect(secondsLeft({ ...base, endsAt: null }, t)).toBeNull();
  });
});

describe('product list', () => {
  it('orders featured, open auctions by end, drafts, then closed', () => {
    const list = sortProducts([
      { ...base, productId: 'sold', status: 'SOLD' },
      { ...base, productId: 'late', endsAt: '2026-01-01T00:10:00Z' },
      { ...base, productId: 'draft', status: 'DRAFT' },
      { ...base, productId: 'soon', endsAt: '2026-01-01T00:01:00Z' },
      { ...base, productId: 'feat', status: 'DRAFT', featured: true },
    ]);
    expect(list.map((p) => p.productId)).toEqual(['feat', 'soon', 'late', 'draft', 'sold']);
  });

  it('upserts by id and keeps a single featured product', () => {
    const a = { ...base, productId: 'a', featured: true };
    const b = { ...base, productId: 'b' };
    const next = upsertProduct([a, b], { ...b, featured: true });
    expect(next.filter((p) => p.featured).map((p) => p.productId)).toEqual(['b']);
    expect(upsertProduct([a], b)).toHaveLength(2);
  });

  it('labels type-specific params and tolerates bad JSON', () => {
    expect(paramsLabel({ ...base, params: '{"grade":"PSA 9","year":1999}' })).toBe('Grade PSA 9 · Year 1999');
    expect(paramsLabel({ ...base, params: 'not json' })).toBe('');
  });
});

describe('create-product validation', () => {
  const form = { channelId: 'c1', title: 'Vintage tee', type: 'APPAREL' as const, params: { size: 'M', colour: 'navy' }, saleMode: 'AUCTION' as const, currency: 'USD', startingBid: 1000, durationSeconds: 60 };

  it('accepts a valid apparel auction', () => {
    expect(validateProduct(form).ok).toBe(true);
  });

  it('reports field errors, including type-specific params', () => {
    const r = validateProduct({ ...form, title: 'ab', params: { size: 'M', colour: '' }, startingBid: undefined });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(Object.keys(r.errors).sort()).toEqual(['params.colour', 'startingBid', 'title']);
  });

  it('needs a buy-now price above the starting bid for auction + buy now', () => {
    const r = validateProduct({ ...form, saleMode: 'AUCTION_WITH_BUY_NOW', buyNowPrice: 900 });
    expect(r.ok ? null : r.errors['buyNowPrice']).toMatch(/above the starting bid/);
    const missing = validateProduct({ ...form, saleMode: 'BUY_NOW', startingBid: undefined, durationSeconds: undefined });
    expect(missing.ok ? null : missing.errors['buyNowPrice']).toBe('Buy-now price is required');
  });

  it('validates collectible grade and year, rejects fractional money', () => {
    const r = validateProduct({ ...form, type: 'COLLECTIBLE', params: { grade: 'PSA 10', year: 3000 }, startingBid: 10.5 });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.errors['params.year']).toBe('Year is in the future');
    expect(r.errors['startingBid']).toBe('Whole minor units only');
  });
});
