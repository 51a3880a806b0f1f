import { describe, expect, it } from 'vitest';
import {
  featuredCue,
  fitCue,
  MAX_METADATA_BYTES,
  offsetMs,
  offsetSortKey,
  packCues,
  parseCuePayload,
  saleCue,
  RateLimiter,
  type Cue,
} from '../../../lambdas/shared/domain/markers';

describe('offsetMs', () => {
  it('is sale server time minus recording_started_at', () => {
    expect(offsetMs('2020-06-23T20:46:10.908Z', '2020-06-23T20:12:34.908Z')).toBe(2_016_000);
    expect(offsetMs('2020-06-23T20:12:34.908Z', '2020-06-23T20:12:34.908Z')).toBe(0);
  });

  it('is null without a recording or for a sale before the recording started', () => {
    expect(offsetMs('2020-06-23T20:46:10.908Z', undefined)).toBeNull();
    expect(offsetMs('2020-06-23T20:00:00.000Z', '2020-06-23T20:12:34.908Z')).toBeNull();
  });

  it('sorts numerically as a padded key', () => {
    expect(offsetSortKey(2_016_000)).toBe('000000002016000');
    expect(offsetSortKey(9) < offsetSortKey(10)).toBe(true);
  });
});

const sale = (i: number): Cue =>
  saleCue({
    saleId: `sal_${String(i).padStart(20, '0')}`,
    productId: `prd_${String(i).padStart(20, '0')}`,
    price: 1000 + i,
    currency: 'EUR',
  });

describe('cue payloads', () => {
  it('keeps a single cue as an object and round-trips', () => {
    const { payload, count } = packCues([sale(1)]);
    expect(count).toBe(1);
    expect(JSON.parse(payload)).toEqual(sale(1));
    expect(parseCuePayload(payload)).toEqual([sale(1)]);
  });

  it('packs a burst into arrays of at most 1 KB, in order, losing none', () => {
    const queue = Array.from({ length: 50 }, (_, i) => sale(i));
    const seen: Cue[] = [];
    let rest = queue;
    let calls = 0;
    while (rest.length > 0) {
      const { payload, count } = packCues(rest);
      expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(MAX_METADATA_BYTES);
      seen.push(...parseCuePayload(payload));
      rest = rest.slice(count);
      calls++;
    }
    expect(seen).toEqual(queue);
    // ~110-byte cues, 9 per 1 KB payload.
    expect(calls).toBeLessThanOrEqual(7);
  });

  it('shortens a long title, then drops optional fields to fit', () => {
    const long = { ...sale(1), title: 'é'.repeat(2000) };
    const fitted = fitCue(long);
    expect(Buffer.byteLength(JSON.stringify(fitted))).toBeLessThanOrEqual(MAX_METADATA_BYTES);
    expect(fitted.title?.endsWith('\u2026')).toBe(true);
    expect(fitted.saleId).toBe(long.saleId);
    const tight = fitCue(long, 80);
    expect(tight).toEqual({ kind: 'sale', productId: long.productId });
  });

  it('describes a featured product by its most relevant price', () => {
    expect(featuredCue({ productId: 'p', currency: 'USD', startingBid: 500, currentPrice: 700 })).toEqual({
      kind: 'featured',
      productId: 'p',
      price: 700,
      currency: 'USD',
    });
    expect(featuredCue({ productId: 'p' })).toEqual({ kind: 'featured', productId: 'p' });
  });
});

describe('RateLimiter', () => {
  it('never lets more than 5 recorded calls into any one-second window', () => {
    const limiter = new RateLimiter(5, 1000);
    const at: number[] = [];
    let now = 0;
    for (let i = 0; i < 23; i++) {
      now += limiter.delay(now);
      // Timers fire late by varying amounts; the limiter must count real send times.
      now += i % 4 === 0 ? 7 : 0;
      expect(limiter.delay(now)).toBe(0);
      limiter.record(now);
      at.push(now);
    }
    expect(at.slice(0, 5).every((t) => t < 1000)).toBe(true);
    for (const t of at) expect(at.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(5);
  });

  it('asks to wait until the oldest call in the window leaves it', () => {
    const limiter = new RateLimiter(5, 1000);
    for (const t of [0, 10, 20, 30, 40]) limiter.record(t);
    expect(limiter.delay(500)).toBe(500);
    expect(limiter.delay(1000)).toBe(0);
  });
});
