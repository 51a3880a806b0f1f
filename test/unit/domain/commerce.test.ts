import { describe, expect, it } from 'vitest';
import {
  checkBid,
  closeOutcome,
  incrementFor,
  minNextBid,
  softCloseEndMs,
} from '../../../lambdas/shared/domain/auctions';
import { idFromBytes, idFromUuid, isId, newId } from '../../../lambdas/shared/domain/ids';
import { recordingIdFromSession } from '../../../lambdas/shared/domain/recordings';
import { formatMoney, isMinorUnits, isSupportedCurrency, minStartingBid } from '../../../lambdas/shared/domain/money';
import { firstProductInputError } from '../../../lambdas/shared/domain/product-schema';

const open = {
  status: 'AUCTION_OPEN',
  sellerId: 's',
  startingBid: 1000,
  bidCount: 0,
  currentPrice: null,
  endsAtMs: Date.parse('2030-01-01T00:00:00.000Z'),
};
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
    expect(idFromBytes('x', Uint8Array.from([0x08, 0x86, 0x42, 0x98, 0xe8, 0, 0, 0, 0, 0, 0, 0, 0]))).toBe(
      'x_12345678000000000000',
    );
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

  it('checkBid: closed, seller, banned, too low (with minimum), ok', () => {
    expect(checkBid({ ...open, status: 'SOLD' }, { bidderId: 'b', amount: 5000, banned: false }, now)?.code).toBe(
      'AUCTION_CLOSED',
    );
    expect(checkBid(open, { bidderId: 'b', amount: 5000, banned: false }, open.endsAtMs)?.code).toBe('AUCTION_CLOSED');
    expect(checkBid(open, { bidderId: 's', amount: 5000, banned: false }, now)?.code).toBe('NOT_OWNER');
    expect(checkBid(open, { bidderId: 'b', amount: 5000, banned: true }, now)?.code).toBe('UNAUTHORIZED');
    expect(
      checkBid({ ...open, bidCount: 1, currentPrice: 1000 }, { bidderId: 'b', amount: 1050, banned: false }, now),
    ).toMatchObject({ code: 'BID_TOO_LOW', minimum: 1100 });
    expect(checkBid(open, { bidderId: 'b', amount: 1000, banned: false }, now)).toBeNull();
  });

  it('soft close extends only inside the window', () => {
    expect(softCloseEndMs(open.endsAtMs, now, 30)).toBe(open.endsAtMs);
    expect(softCloseEndMs(open.endsAtMs, now, 90)).toBe(now + 90_000);
    expect(softCloseEndMs(open.endsAtMs, now, 0)).toBe(open.endsAtMs);
  });

  it('close outcome', () => {
    expect(closeOutcome({ bidCount: 0 })).toEqual({ outcome: 'NO_SALE' });
    expect(closeOutcome({ bidCount: 3, highBidderId: 'b', currentPrice: 2000 })).toEqual({
      outcome: 'SOLD',
      buyerId: 'b',
      price: 2000,
    });
  });
});

describe('product schema', () => {
  const base = {
    channelId: 'c',
    title: 'Tee',
    type: 'APPAREL',
    params: { size: 'M', colour: 'red' },
    saleMode: 'AUCTION_WITH_BUY_NOW',
    currency: 'USD',
    startingBid: 500,
    buyNowPrice: 2000,
  };
  it('accepts a valid product and names the failing field otherwise', () => {
    expect(firstProductInputError(base)).toBeNull();
    expect(firstProductInputError({ ...base, buyNowPrice: 400 })?.field).toBe('buyNowPrice');
    expect(firstProductInputError({ ...base, startingBid: 50 })?.field).toBe('startingBid');
    expect(firstProductInputError({ ...base, params: { size: 'M' } })?.field).toBe('params.colour');
    expect(firstProductInputError({ ...base, type: 'COLLECTIBLE', params: { grade: 'PSA 9', year: 1999 } })).toBeNull();
  });
});
