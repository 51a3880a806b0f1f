import { describe, expect, it } from 'vitest';
import type { BidPlaced, Product } from '../../../frontend/src/lib/types';
import {
  applyBidPlaced,
  applyOptimisticBid,
  checkBid,
  isOutbid,
  minNextBid,
  minNextBidText,
  paramsLabel,
  secondsLeft,
  sendBidWithRetries,
  sortProducts,
  upsertProduct,
} from '../../../frontend/src/features/products/products';
import { validateProduct, type ProductFormFields } from '../../../frontend/src/features/products/product-form';

const base: Product = {
  productId: 'p1',
  channelId: 'c1',
  title: 'Charizard',
  type: 'COLLECTIBLE',
  saleMode: 'AUCTION',
  currency: 'USD',
  startingBid: 1000,
  bidCount: 0,
  status: 'AUCTION_OPEN',
  featured: false,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
  endsAt: new Date(Date.now() + 60_000).toISOString(),
};
const bid = (o: Partial<BidPlaced>): BidPlaced => ({
  channelId: 'c1',
  productId: 'p1',
  bidId: 'b',
  bidderId: 'u2',
  bidderHandle: 'bob',
  amount: 1200,
  currency: 'USD',
  currentPrice: 1200,
  minNextBid: 1300,
  bidCount: 1,
  placedAt: '2026-01-01T00:00:01Z',
  ...o,
});

describe('bid rules', () => {
  it('uses the starting bid before the first bid, then the server minNextBid, else the ladder', () => {
    expect(minNextBid(base)).toBe(1000);
    expect(minNextBid({ ...base, currentPrice: 1000 })).toBe(1100);
    expect(minNextBid({ ...base, currentPrice: 1000, bidIncrement: 25 })).toBe(1025);
    expect(minNextBid({ ...base, currentPrice: 1000, minNextBid: 1500 })).toBe(1500);
    // The server's ladder (INCREMENT_LADDER), not a copy: 500 at 15,000 and 2,500 above 100,000.
    expect(minNextBid({ ...base, currentPrice: 15_000 })).toBe(15_500);
    expect(minNextBid({ ...base, currentPrice: 200_000 })).toBe(202_500);
  });

  it('refuses guests, closed auctions, low bids and self-outbidding', () => {
    expect(checkBid(base, 1000, null)).toBe('Sign in to bid');
    expect(checkBid({ ...base, status: 'SOLD' }, 5000, 'u1')).toBe('Bidding is not open');
    expect(checkBid({ ...base, endsAt: '2000-01-01T00:00:00Z' }, 5000, 'u1')).toBe('The auction has ended');
    expect(checkBid(base, 999, 'u1')).toBe('Bid at least $10.00');
    expect(checkBid(base, null, 'u1')).toBe('Enter an amount');
    expect(checkBid({ ...base, highBidderId: 'u1', currentPrice: 1000 }, 5000, 'u1')).toBe(
      'You already have the high bid',
    );
    expect(checkBid(base, 1000, 'u1')).toBeNull();
  });

  it('states the minimum bid in the currency, not in minor units', () => {
    const p = { ...base, currentPrice: 42_000, minNextBid: 43_000 };
    expect(checkBid(p, 10_000, 'u1')).toBe('Bid at least $430.00');
    expect(minNextBidText(p)).toBe('430.00');
    expect(minNextBidText({ ...p, currency: 'EUR', minNextBid: 43_005 })).toBe('430.05');
  });

  it('has no decimals for a zero-decimal currency (JPY)', () => {
    const p = { ...base, currency: 'JPY', currentPrice: 42_000, minNextBid: 43_000 };
    expect(checkBid(p, 10_000, 'u1')).toBe('Bid at least ¥43,000');
    expect(minNextBidText(p)).toBe('43000');
  });

  it('applies an optimistic bid, then reconciles with the server answer', () => {
    const opt = applyOptimisticBid(base, 1500, 'u1', 'amy');
    expect(opt).toMatchObject({ currentPrice: 1500, highBidderId: 'u1', bidCount: 1 });
    const server = applyBidPlaced(
      opt,
      bid({ bidderId: 'u1', bidderHandle: 'amy', amount: 1500, currentPrice: 1500, minNextBid: 1600, bidCount: 3 }),
    );
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

describe('create-product validation (the server schema, worded for the form)', () => {
  const form: ProductFormFields = {
    channelId: 'c1',
    title: 'Vintage tee',
    description: '',
    imageUrl: '',
    type: 'APPAREL',
    saleMode: 'AUCTION',
    currency: 'USD',
    startingBid: '10.00',
    bidIncrement: '',
    buyNowPrice: '',
    duration: '60',
    size: 'M',
    colour: 'navy',
    grade: '',
    year: '',
  };
  const errors = (f: Partial<ProductFormFields>) => {
    const r = validateProduct({ ...form, ...f });
    return r.ok ? {} : r.errors;
  };

  it('turns a valid apparel auction into CreateProductInput in minor units', () => {
    expect(validateProduct({ ...form, title: '  Vintage tee ', bidIncrement: '0.50' })).toEqual({
      ok: true,
      value: {
        channelId: 'c1',
        title: 'Vintage tee',
        type: 'APPAREL',
        params: { size: 'M', colour: 'navy' },
        saleMode: 'AUCTION',
        currency: 'USD',
        startingBid: 1000,
        bidIncrement: 50,
        durationSeconds: 60,
      },
    });
  });

  it('accepts auction durations from 30 s to 7 days, as the server does', () => {
    expect(errors({ duration: '15' })['durationSeconds']).toBe('At least 30 seconds');
    expect(errors({ duration: '29' })['durationSeconds']).toBe('At least 30 seconds');
    expect(validateProduct({ ...form, duration: '30' }).ok).toBe(true);
    expect(validateProduct({ ...form, duration: '7200' }).ok).toBe(true);
    expect(validateProduct({ ...form, duration: String(7 * 86_400) }).ok).toBe(true);
    expect(errors({ duration: String(7 * 86_400 + 1) })['durationSeconds']).toBe('At most 7 days');
    expect(errors({ duration: '1.5' })['durationSeconds']).toBe('Whole seconds, e.g. 60');
  });

  it('enforces the per-currency minimum starting bid, shown in the currency', () => {
    expect(errors({ startingBid: '0.50' })['startingBid']).toBe('At least $1.00');
    expect(validateProduct({ ...form, startingBid: '1.00' }).ok).toBe(true);
    expect(errors({ currency: 'JPY', startingBid: '50' })['startingBid']).toBe('At least ¥100');
    const yen = validateProduct({ ...form, currency: 'JPY', startingBid: '100' });
    expect(yen.ok && yen.value.startingBid).toBe(100);
  });

  it('reports every field error at once, including type-specific params', () => {
    expect(errors({ title: ' ', colour: '', startingBid: '' })).toEqual({
      title: 'Title is required',
      'params.colour': 'Colour is required',
      startingBid: 'Starting bid is required for auctions',
    });
  });

  it('validates collectible grade and year', () => {
    expect(errors({ type: 'COLLECTIBLE', grade: '', year: '3000' })).toEqual({
      'params.grade': 'Grade is required',
      'params.year': 'Year must be 2100 or earlier',
    });
    expect(errors({ type: 'COLLECTIBLE', grade: 'PSA 10', year: '' })).toEqual({
      'params.year': 'Enter a year, e.g. 1999',
    });
    expect(validateProduct({ ...form, type: 'COLLECTIBLE', grade: 'PSA 10', year: '1999' }).ok).toBe(true);
  });

  it('needs a buy-now price, above the starting bid for auction + buy now', () => {
    expect(errors({ saleMode: 'AUCTION_WITH_BUY_NOW', buyNowPrice: '9.00' })['buyNowPrice']).toBe(
      'Buy-now price must be above the starting bid',
    );
    expect(errors({ saleMode: 'BUY_NOW', startingBid: '' })['buyNowPrice']).toBe('Buy-now price is required');
    expect(validateProduct({ ...form, saleMode: 'BUY_NOW', buyNowPrice: '25.00' }).ok).toBe(true);
  });

  it('refuses amounts that are not whole minor units of the currency', () => {
    expect(errors({ startingBid: '10.505' })['startingBid']).toBe('Enter an amount like 10.00');
    expect(errors({ currency: 'JPY', startingBid: '1000.5' })['startingBid']).toBe('Enter an amount like 1000');
    expect(errors({ imageUrl: 'ftp://example.com/a.png' })['imageUrl']).toBe('Must be an http(s) URL');
  });
});

describe('sendBidWithRetries', () => {
  const failing = (types: (string | undefined)[], answer = 'placed') => {
    let sent = 0;
    const send = async () => {
      const type = types[sent++];
      if (sent <= types.length) throw Object.assign(new Error(`answer ${sent}`), { errorType: type });
      return answer;
    };
    return { send, sent: () => sent };
  };
  const noPause = async () => {};

  it('sends again on CONFLICT and Unavailable, and answers the first other answer', async () => {
    const bid = failing(['CONFLICT', 'Unavailable']);
    await expect(sendBidWithRetries(bid.send, 4, noPause)).resolves.toBe('placed');
    expect(bid.sent()).toBe(3);
  });

  it('hands back a refusal at once, and the last retryable answer after the attempts', async () => {
    const low = failing(['BID_TOO_LOW']);
    await expect(sendBidWithRetries(low.send, 4, noPause)).rejects.toMatchObject({ errorType: 'BID_TOO_LOW' });
    expect(low.sent()).toBe(1);
    const busy = failing(['CONFLICT', 'CONFLICT', 'CONFLICT']);
    await expect(sendBidWithRetries(busy.send, 3, noPause)).rejects.toMatchObject({
      errorType: 'CONFLICT',
      message: 'answer 3',
    });
    expect(busy.sent()).toBe(3);
  });
});
