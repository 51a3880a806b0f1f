import { describe, expect, it } from 'vitest';
import {
  acceptablePriceRanges, BID_BUCKET_KEEP, BID_BUCKET_SWEEP, bidBucket, bidIdsAttr, bidIdsChange, checkBid, closeOutcome, consumerBucketTrim, incrementFor,
  minNextBid, retryStatus, softCloseEndMs, softCloseStartMs, staleBidIdBuckets,
} from '../../../lambdas/shared/domain/auctions';
import { idFromBytes, idFromUuid, isId, newId } from '../../../lambdas/shared/domain/ids';
import { recordingIdFromSession } from '../../../lambdas/shared/domain/recordings';
import { formatMoney, isMinorUnits, isSupportedCurrency, minStartingBid } from '../../../lambdas/shared/domain/money';
import { firstProductInputError } from '../../../lambdas/shared/domain/product-schema';

const open = { status: 'AUCTION_OPEN', sellerId: 's', startingBid: 1000, bidCount: 0, currentPrice: null, endsAtMs: Date.parse('2030-01-01T00:00:00.000Z') };
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
  it('idFromBytes reads five bits at a time, most significant first, and stops at 20 characters', () => {
    expect(idFromBytes('x', new Uint8Array(13))).toBe('x_00000000000000000000');
    expect(idFromBytes('x', new Uint8Array(13).fill(255))).toBe('x_ZZZZZZZZZZZZZZZZZZZZ');
    // 00001 00010 00011 00100 00101 00110 00111 01000 = bytes 08 86 42 98 E8 → "12345678"
    expect(idFromBytes('x', Uint8Array.from([0x08, 0x86, 0x42, 0x98, 0xe8, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe('x_12345678000000000000');
  });
  it('ids derived from a hash never change (recordings already stored are found by them)', () => {
    expect(recordingIdFromSession('abc')).toBe('rec_Q9W1DFWF077YMGA183F5');
  });
});

describe('money', () => {
  it('uses integer minor units and per-currency minimums', () => {
    expect(isMinorUnits(100)).toBe(true);
    expect(isMinorUnits(1.5)).toBe(false);
    expect(minStartingBid('USD')).toBe(100);
    expect(minStartingBid('XXX')).toBeNull();
    for (const key of ['constructor', '__proto__', 'toString']) {
      expect(minStartingBid(key)).toBeNull();
      expect(isSupportedCurrency(key)).toBe(false);
    }
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
    expect(checkBid(open, { bidderId: 'b', amount: 5000, banned: false }, open.endsAtMs)?.code).toBe('AUCTION_CLOSED');
    expect(checkBid(open, { bidderId: 's', amount: 5000, banned: false }, now)?.code).toBe('NOT_OWNER');
    expect(checkBid(open, { bidderId: 'b', amount: 5000, banned: true }, now)?.code).toBe('UNAUTHORIZED');
    expect(checkBid({ ...open, bidCount: 1, currentPrice: 1000 }, { bidderId: 'b', amount: 1050, banned: false }, now)).toMatchObject({ code: 'BID_TOO_LOW', minimum: 1100 });
    expect(checkBid(open, { bidderId: 'b', amount: 1000, banned: false }, now)).toBeNull();
  });

  it('bidBucket: monotone and gap-free, about 1/32 to 1/64 of the amount wide, exact at powers of two', () => {
    let prev = bidBucket(0);
    for (let a = 1; a < 70_000; a++) {
      const b = bidBucket(a);
      expect(b - prev === 0 || b - prev === 1).toBe(true);
      prev = b;
    }
    expect(bidBucket(63)).toBe(63);
    expect(bidBucket(64)).toBe(64);
    for (const e of [6, 10, 20, 31, 32, 33, 45, 52]) {
      const p = 2 ** e;
      // Every octave [p, 2p) holds 32 buckets, numbered on from the one below.
      expect(bidBucket(p) - bidBucket(p - 1)).toBe(1);
      expect(bidBucket(2 * p - 1) - bidBucket(p)).toBe(31);
      expect(bidBucket(p + p / 32) - bidBucket(p)).toBe(1);
    }
    // A bucket is at most amount/32 wide: at most that many minimum increments fit in one.
    for (const a of [100, 999, 12_345, 1_000_000, 98_765_432]) {
      let lo = a;
      while (lo > 0 && bidBucket(lo - 1) === bidBucket(a)) lo--;
      let hi = a;
      while (bidBucket(hi + 1) === bidBucket(a)) hi++;
      expect(hi - lo + 1).toBeLessThanOrEqual(Math.max(1, a / 32));
      expect(hi - lo + 1).toBeGreaterThanOrEqual(Math.floor(a / 64));
    }
  });

  it('bidIdsChange, staleBidIdBuckets, consumerBucketTrim: which id buckets a write, a prune and the consumer remove', () => {
    const b = bidBucket(50_000);
    const k = BID_BUCKET_KEEP;
    expect(bidIdsChange(50_000)).toEqual({ bucket: b, removed: [1, 2, 3, 4, 5, 6, 7, 8].map((i) => b - k - i) });
    expect(BID_BUCKET_SWEEP).toBe(8);
    expect(bidIdsChange(3)).toEqual({ bucket: 3, removed: [] });
    const at = (n: number) => bidIdsAttr(n);
    const product = { currentPrice: 50_000, bidBucketFloor: 3, [at(b)]: ['x'], [at(b - 1)]: ['y'], [at(b - 2)]: ['z'], [at(b - k - 9)]: ['old'], bidBucketFloorX: 1 };
    expect(staleBidIdBuckets(product)).toEqual([at(b - k - 9)]);
    expect(consumerBucketTrim(product)).toEqual({ remove: [at(b - 2), at(b - k - 9)], floor: b - 1 });
    expect(consumerBucketTrim({ currentPrice: 50_000, [at(b)]: ['x'], [at(b - 1)]: ['y'] })).toBeNull();
    expect(staleBidIdBuckets({ [at(1)]: ['a'] })).toEqual([]);
  });

  it('retryStatus: a refused bid is a known retry, never accepted, or needs the history item', () => {
    const at = (amount: number) => bidIdsAttr(bidBucket(amount));
    const floor = bidBucket(3000);
    const product = { bidCount: 9, currentPrice: 4100, bidBucketFloor: floor, [at(4000)]: ['b7', 'b8'], lastBid: { bidId: 'b8' } };
    expect(retryStatus(product, { bidId: 'b8', amount: 4100 })).toBe('known');
    expect(retryStatus(product, { bidId: 'b7', amount: 4000 })).toBe('known');
    // Its bucket is on the item and lists every accepted bid of those amounts: not this id.
    expect(retryStatus(product, { bidId: 'new', amount: 4000 })).toBe('never');
    // Above the current price: no accepted bid had this amount.
    expect(retryStatus(product, { bidId: 'new', amount: 4101 })).toBe('never');
    // A missing bucket at or above the floor never had a bid; below it the consumer removed it.
    expect(retryStatus(product, { bidId: 'x', amount: 3500 })).toBe('never');
    expect(retryStatus(product, { bidId: 'old', amount: 1500 })).toBe('maybe');
    // Far below the price, writes sweep buckets whatever the floor.
    expect(retryStatus({ ...product, bidBucketFloor: -1, currentPrice: 4_100_000 }, { bidId: 'old', amount: 1500 })).toBe('maybe');
    expect(retryStatus({ ...product, bidBucketFloor: -1 }, { bidId: 'old', amount: 1500 })).toBe('never');
    expect(retryStatus({ bidCount: 0, bidBucketFloor: -1 }, { bidId: 'x', amount: 1 })).toBe('never');
    // A product from before the buckets: only its history can tell.
    expect(retryStatus({ bidCount: 3, currentPrice: 20_000 }, { bidId: 'x', amount: 10_000 })).toBe('maybe');
    expect(retryStatus({ lastBid: { bidId: 'x' } }, { bidId: 'x', amount: 10_000 })).toBe('known');
  });

  it('soft close extends only inside the window', () => {
    expect(softCloseEndMs(open.endsAtMs, now, 30)).toBe(open.endsAtMs);
    expect(softCloseEndMs(open.endsAtMs, now, 90)).toBe(now + 90_000);
    expect(softCloseEndMs(open.endsAtMs, now, 0)).toBe(open.endsAtMs);
    expect(softCloseStartMs(open.endsAtMs, 90)).toBe(open.endsAtMs - 90_000);
    expect(softCloseStartMs(open.endsAtMs, null)).toBe(open.endsAtMs);
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
