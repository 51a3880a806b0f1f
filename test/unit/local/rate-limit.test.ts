import { describe, expect, it } from 'vitest';
import { createRateLimiter } from '../../../local/graphql/rate-limit';

describe('local per-IP rate limiter', () => {
  it('refuses past the limit within the window, per address', () => {
    const limiter = createRateLimiter({ requestsPerWindow: 3, windowSeconds: 60 });
    const t = 1_000_000;
    expect([1, 2, 3, 4].map((i) => limiter.allow('10.0.0.1', t + i))).toEqual([true, true, true, false]);
    expect(limiter.allow('10.0.0.2', t + 5)).toBe(true);
  });

  it('serves an address again once its burst has left the sliding window', () => {
    const limiter = createRateLimiter({ requestsPerWindow: 2, windowSeconds: 60 });
    const t = 5_000_000;
    expect(limiter.allow('a', t)).toBe(true);
    expect(limiter.allow('a', t + 30_000)).toBe(true);
    expect(limiter.allow('a', t + 59_000)).toBe(false);
    // The first request has left the window; the one at +30 s has not.
    expect(limiter.allow('a', t + 60_000)).toBe(true);
    expect(limiter.allow('a', t + 60_500)).toBe(false);
    // Refused requests do not count: after +90 s only the +60 s request is in the window.
    expect(limiter.allow('a', t + 90_000)).toBe(true);
  });
});
