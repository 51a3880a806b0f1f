import { describe, expect, it } from 'vitest';
import type { Product, Sale } from '../../../frontend/src/lib/types';
import { plural } from '../../../frontend/src/lib/format';
import {
  applySale,
  biddable,
  buyable,
  checkBid,
  orderLink,
  outcomeText,
  priceLabel,
  statusLine,
  undismissedWins,
} from '../../../frontend/src/features/products/products';

const now = Date.parse('2026-06-01T12:00:00Z');
const product = (o: Partial<Product>): Product => ({
  productId: 'p1',
  channelId: 'c1',
  title: 'Charizard',
  type: 'COLLECTIBLE',
  saleMode: 'AUCTION_WITH_BUY_NOW',
  currency: 'USD',
  startingBid: 1000,
  buyNowPrice: 9000,
  bidCount: 0,
  status: 'DRAFT',
  featured: false,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  ...o,
});
const sale = (o: Partial<Sale>): Sale => ({
  saleId: 's1',
  kind: 'AUCTION',
  productId: 'p1',
  productTitle: 'Charizard',
  channelId: 'c1',
  buyerId: 'u-bob',
  buyerHandle: 'bob',
  price: 4200,
  currency: 'USD',
  soldAt: '2026-06-01T11:59:00Z',
  ...o,
});

describe('product card outcome and rule (frontend/src/features/products/products.ts)', () => {
  it('a card that says "Not open yet" offers no Buy now and no bid: the server rule, imported', () => {
    const draft = product({});
    expect(statusLine(draft, null, now)).toBe('Not open yet');
    expect(buyable(draft, now)).toBe(false);
    expect(biddable(draft, now)).toBe(false);
    const listing = product({ saleMode: 'BUY_NOW', startingBid: null });
    expect(statusLine(listing, null, now)).toBe('Available now');
    expect(buyable(listing, now)).toBe(true);
  });

  it('an auction past its end is no longer biddable or buyable and says so', () => {
    const ended = product({
      status: 'AUCTION_OPEN',
      endsAt: new Date(now - 1000).toISOString(),
      currentPrice: 4200,
      bidCount: 3,
      highBidderHandle: 'bob',
      highBidderId: 'u-bob',
    });
    expect(buyable(ended, now)).toBe(false);
    expect(checkBid(ended, 5000, 'u-carl', now)).toBe('The auction has ended');
    expect(priceLabel(ended, now)).toBe('Winning bid');
    expect(statusLine(ended, 'u-bob', now)).toBe('Auction ended · 3 bids · high: @bob (you)');
  });

  it('a sold product tells everyone who bought it and for how much, never "Current bid"', () => {
    const sold = applySale(product({ status: 'AUCTION_OPEN', currentPrice: 4200, bidCount: 1 }), sale({}));
    expect(sold.status).toBe('SOLD');
    expect(priceLabel(sold, now)).toBe('Sold for');
    expect(statusLine(sold, 'u-carl', now)).toBe('Sold to @bob for $42.00');
    expect(statusLine(sold, 'u-bob', now)).toBe('Sold to @bob (you) for $42.00');
    expect(priceLabel(product({ status: 'UNSOLD' }), now)).toBe('Starting bid');
  });

  it('the buyer is told "You won" for an auction and "Purchased" for buy-now', () => {
    expect(outcomeText(sale({}))).toBe('You won Charizard for $42.00');
    expect(outcomeText(sale({ kind: 'BUY_NOW', price: 9000 }))).toBe('Purchased Charizard for $90.00');
  });

  it("the lasting banner lists the user's own undismissed sales, with a link to the order", () => {
    const list = [
      applySale(product({}), sale({})),
      applySale(product({ productId: 'p2' }), sale({ saleId: 's2', productId: 'p2', buyerId: 'u-carl' })),
    ];
    expect(undismissedWins(list, 'u-bob', new Set()).map((s) => s.saleId)).toEqual(['s1']);
    expect(undismissedWins(list, 'u-bob', new Set(['s1']))).toEqual([]);
    expect(undismissedWins(list, null, new Set())).toEqual([]);
    expect(orderLink(sale({}))).toBe('/account/?tab=orders#order-s1');
  });

  it('one plural helper: "1 viewer", "0 viewers", "1 follower", "1.2K followers"', () => {
    expect(plural(1, 'viewer')).toBe('1 viewer');
    expect(plural(0, 'viewer')).toBe('0 viewers');
    expect(plural(null, 'viewer')).toBe('0 viewers');
    expect(plural(1, 'follower')).toBe('1 follower');
    expect(plural(1200, 'follower')).toBe('1.2K followers');
  });
});
