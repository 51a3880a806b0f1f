import { describe, expect, it } from 'vitest';
import { acceptablePriceRanges, checkBid, closeOutcome, incrementFor, minNextBid, retryStatus, softCloseEndsAt } from '../../../lambdas/shared/domain/auctions';
import { idFromUuid, isId, newId } from '../../../lambdas/shared/domain/ids';
import { formatMoney, isMinorUnits, minStartingBid } from '../../../lambdas/shared/domain/money';
import { firstProductInputError } from '../../../lambdas/shared/domain/product-schema';

const open = { status: 'AUCTION_OPEN', sellerId: 's', startingBid: 1000, bidCount: 0, currentPrice: null, endsAt: '2030-01-01T00:00:00.000Z' };
const now = Date.parse('2029-12-31T23:59:00.000Z');

describe('ids', () => {
  it('newId and idFromUuid share the fixed-length Crockford format', () => {
    const a = newId('product');
    const b = idFromUuid('prd', crypto.randomUUID());
    for (const id of [a, b]) {
      expect(id).toMatch(/^prd_[0-9A-HJKMNP-TV-Z]{20}$/);
      expect(isId('product', id)).toBe(true);
    }
    expect(isId('product', 'prd_IIII')).toBe(false);
    expect(new Set(Array.from({ length: 1000 }, () => newId('bid'))).size).toBe(1000);
  });
});

describe('money', () => {
  it('uses integer minor units and per-currency minimums', () => {
    expect(isMinorUnits(100)).toBe(true);
    expect(isMinorUnits(1.5)).toBe(false);
    expect(minStartingBid('USD')).toBe(100);
    expect(minStartingBid('XXX')).toBeNull();
    expect(formatMoney({ amount: 1234, currency: 'USD' })).toBe('$12.34');
    expect(formatMoney({ amount: 1234, currency: 'JPY' })).toBe('¥1,234');
  });
});

describe('auction rules', () => {
  it('ladder by price band, or the fixed increment', () => {
    expect(incrementFor(999)).toBe(50);
    expect(incrementFor(1000)).toBe(100);
    expect(incrementFor(60_000)).toBe(1000);
    expect(incrementFor(60_000, 7)).toBe(7);
    expect(minNextBid({ startingBid: 1000, bidCount: 0, currentPrice: null })).toBe(1000);
    expect(minNextBid({ startingBid: 1000, bidCount: 2, currentPrice: 4990 })).toBe(5090);
  });

  it('price ranges accept exactly the prices the amount beats by an increment', () => {
    for (const amount of [1000, 1049, 5090, 5100, 123_456]) {
      const ranges = acceptablePriceRanges(amount);
      for (let price = 0; price < amount + 10; price += 7) {
        const inRange = ranges.some((r) => price >= r.low && price <= r.high);
        expect(inRange).toBe(amount >= price + incrementFor(price));
      }
    }
  });

  it('checkBid: closed, seller, banned, too low (with minimum), ok', () => {
    expect(checkBid({ ...open, status: 'SOLD' }, { bidderId: 'b', amount: 5000, banned: false }, now)?.code).toBe('AUCTION_CLOSED');
    expect(checkBid(open, { bidderId: 'b', amount: 5000, banned: false }, Date.parse(open.endsAt))?.code).toBe('AUCTION_CLOSED');
    expect(checkBid(open, { bidderId: 's', amount: 5000, banned: false }, now)?.code).toBe('NOT_OWNER');
    expect(checkBid(open, { bidderId: 'b', amount: 5000, banned: true }, now)?.code).toBe('UNAUTHORIZED');
    expect(checkBid({ ...open, bidCount: 1, currentPrice: 1000 }, { bidderId: 'b', amount: 1050, banned: false }, now)).toMatchObject({ code: 'BID_TOO_LOW', minimum: 1100 });
    expect(checkBid(open, { bidderId: 'b', amount: 1000, banned: false }, now)).toBeNull();
  });

  it('retryStatus: a refused bid is a known retry, never accepted, or needs the history item', () => {
    const product = { recentBidIds: ['b7', 'b8'], trimmedPrice: 1500, lastBid: { bidId: 'b8' } };
    expect(retryStatus(product, { bidId: 'b8', amount: 1 })).toBe('known');
    expect(retryStatus(product, { bidId: 'b7', amount: 1 })).toBe('known');
    // Not listed and above every dropped bid's amount: no accepted bid had this id.
    expect(retryStatus(product, { bidId: 'new', amount: 1501 })).toBe('never');
    // At or below the trimmed amount: it may be a dropped bid's retry.
    expect(retryStatus(product, { bidId: 'old', amount: 1500 })).toBe('maybe');
    expect(retryStatus({ recentBidIds: [] }, { bidId: 'x', amount: 1 })).toBe('never');
    expect(retryStatus({ recentBidIds: null }, { bidId: 'x', amount: 10_000 })).toBe('maybe');
    expect(retryStatus({ lastBid: { bidId: 'x' } }, { bidId: 'x', amount: 10_000 })).toBe('known');
  });

  it('soft close extends only inside the window', () => {
    expect(softCloseEndsAt(open.endsAt, now, 30)).toBe(open.endsAt);
    expect(softCloseEndsAt(open.endsAt, now, 90)).toBe(new Date(now + 90_000).toISOString());
    expect(softCloseEndsAt(open.endsAt, now, 0)).toBe(open.endsAt);
  });

  it('close outcome', () => {
    expect(closeOutcome({ bidCount: 0 })).toEqual({ outcome: 'NO_SALE' });
    expect(closeOutcome({ bidCount: 3, highBidderId: 'b', currentPrice: 2000 })).toEqual({ outcome: 'SOLD', buyerId: 'b', price: 2000 });
  });
});

describe('product schema', () => {
  const base = { channelId: 'c', title: 'Tee', type: 'APPAREL', params: { size: 'M', colour: 'red' }, saleMode: 'AUCTION_WITH_BUY_NOW', currency: 'USD', startingBid: 500, buyNowPrice: 2000 };
  it('accepts a valid product and names the failing field otherwise', () => {
    expect(firstProductInputError(base)).toBeNull();
    expect(firstProductInputError({ ...base, buyNowPrice: 400 })?.field).toBe('buyNowPrice');
    expect(firstProductInputError({ ...base, startingBid: 50 })?.field).toBe('startingBid');
    expect(firstProductInputError({ ...base, params: { size: 'M' } })?.field).toBe('params.colour');
    expect(firstProductInputError({ ...base, type: 'COLLECTIBLE', params: { grade: 'PSA 9', year: 1999 } })).toBeNull();
  });
});
