import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { availability, buyNowRefusal, canBid, canBuyNow } from '../../../lambdas/shared/domain/availability';

const now = 1_700_000_000_000;

describe('availability: the one buy/bid rule the resolver and the product card share', () => {
  it('a buy-now-only listing is on sale as soon as it is listed', () => {
    const p = { status: 'DRAFT', saleMode: 'BUY_NOW', buyNowPrice: 1500 };
    expect(availability(p, now)).toBe('ON_SALE');
    expect(canBuyNow(p, now)).toBe(true);
    expect(canBid(p, now)).toBe(false);
  });

  it('an auction with a buy-now price is not open yet before its start: no buy, no bid', () => {
    const p = { status: 'DRAFT', saleMode: 'AUCTION_WITH_BUY_NOW', buyNowPrice: 9000 };
    expect(availability(p, now)).toBe('NOT_OPEN');
    expect(canBuyNow(p, now)).toBe(false);
    expect(buyNowRefusal(p, now)?.code).toBe('AUCTION_NOT_OPEN');
    expect(canBid(p, now)).toBe(false);
  });

  it('while the auction runs both bids and buy-now are taken; after its end neither', () => {
    const open = { status: 'AUCTION_OPEN', saleMode: 'AUCTION_WITH_BUY_NOW', buyNowPrice: 9000, endsAtMs: now + 1 };
    expect(canBuyNow(open, now)).toBe(true);
    expect(canBid(open, now)).toBe(true);
    expect(availability(open, now + 1)).toBe('AUCTION_ENDED');
    expect(buyNowRefusal(open, now + 1)?.code).toBe('AUCTION_CLOSED');
    expect(canBid(open, now + 1)).toBe(false);
  });

  it('auction-only products never offer buy-now; sold and unsold ones offer nothing', () => {
    expect(
      buyNowRefusal({ status: 'AUCTION_OPEN', saleMode: 'AUCTION', buyNowPrice: null, endsAtMs: now + 60_000 }, now)
        ?.code,
    ).toBe('VALIDATION');
    expect(buyNowRefusal({ status: 'SOLD', saleMode: 'BUY_NOW', buyNowPrice: 100 }, now)?.code).toBe('ALREADY_SOLD');
    expect(
      buyNowRefusal({ status: 'UNSOLD', saleMode: 'AUCTION_WITH_BUY_NOW', buyNowPrice: 100, endsAtMs: now - 1 }, now)
        ?.code,
    ).toBe('ALREADY_SOLD');
  });

  it('buy-now is allowed exactly when the card would show the product on sale or in a running auction', () => {
    const statuses = ['DRAFT', 'AUCTION_OPEN', 'SOLD', 'UNSOLD'];
    const modes = ['AUCTION', 'BUY_NOW', 'AUCTION_WITH_BUY_NOW'];
    fc.assert(
      fc.property(
        fc.constantFrom(...statuses),
        fc.constantFrom(...modes),
        fc.option(fc.integer({ min: 1, max: 1e6 })),
        fc.option(fc.integer({ min: -1e6, max: 1e6 })),
        (status, saleMode, buyNowPrice, endsIn) => {
          const p = { status, saleMode, buyNowPrice, endsAtMs: endsIn === null ? null : now + endsIn };
          const a = availability(p, now);
          const shown = (a === 'ON_SALE' || a === 'AUCTION_OPEN') && saleMode !== 'AUCTION' && buyNowPrice !== null;
          expect(canBuyNow(p, now)).toBe(shown);
          if (a === 'NOT_OPEN') expect(canBuyNow(p, now)).toBe(false);
        },
      ),
    );
  });
});
