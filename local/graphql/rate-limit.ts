/**
 * The per-IP request rate of the local GraphQL server: what the stack's WAF rate-based rule does in
 * front of AppSync (lib/constructs/firewall.ts), with the same stage setting. Counts per IP over a
 * sliding window of one-second buckets; a request over the limit is refused and not counted, so a
 * caller that stops sending is served again once the window has moved past its burst.
 */
import type { RateLimit } from '../../lambdas/shared/domain/safety';

export interface RateLimiter {
  /** Counts one request from `ip` at `nowMs`; false when it is over the limit (refuse it). */
  allow(ip: string, nowMs?: number): boolean;
}

export function createRateLimiter(limit: RateLimit): RateLimiter {
  const byIp = new Map<string, { buckets: Map<number, number>; total: number }>();
  let lastSweep = 0;
  return {
    allow(ip, nowMs = Date.now()) {
      const second = Math.floor(nowMs / 1000);
      const oldest = second - limit.windowSeconds + 1;
      // Addresses idle for a whole window are dropped now and then, so the map stays small.
      if (second - lastSweep >= limit.windowSeconds) {
        lastSweep = second;
        for (const [key, entry] of byIp) if (Math.max(...entry.buckets.keys()) < oldest) byIp.delete(key);
      }
      let entry = byIp.get(ip);
      if (!entry) {
        entry = { buckets: new Map(), total: 0 };
        byIp.set(ip, entry);
      }
      for (const [s, n] of entry.buckets) {
        if (s < oldest) {
          entry.buckets.delete(s);
          entry.total -= n;
        }
      }
      if (entry.total >= limit.requestsPerWindow) return false;
      entry.buckets.set(second, (entry.buckets.get(second) ?? 0) + 1);
      entry.total += 1;
      return true;
    },
  };
}
