/**
 * A fixed-window request limit per key (a viewer's anonymous id, a source address), held in the
 * function instance's memory. In AWS each concurrent instance keeps its own windows, so a client
 * spread over N instances gets up to N times the limit: this stops a runaway tab or a script on one
 * connection cheaply, and the HTTP API stage's throttling caps the endpoint as a whole.
 */
export interface RateLimit {
  /** Requests allowed per key per window. */
  readonly limit: number;
  readonly windowMs: number;
}

/** The tracker flushes every 15 s plus beacons on page hide: about 6 requests a minute per tab. */
export const PER_VIEWER: RateLimit = { limit: 30, windowMs: 60_000 };
/** Many viewers may share one address (offices, mobile carriers' NAT). */
export const PER_ADDRESS: RateLimit = { limit: 6000, windowMs: 60_000 };
/** Keys kept before the oldest windows are dropped, so memory stays bounded under a flood of ids. */
const MAX_KEYS = 50_000;

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly rule: RateLimit) {}

  /** Counts a request for `key` at `nowMs`; false when the key is over its limit in the current window. */
  take(key: string, nowMs: number): boolean {
    const w = this.windows.get(key);
    if (!w || nowMs - w.start >= this.rule.windowMs) {
      if (!w && this.windows.size >= MAX_KEYS) this.evict(nowMs);
      this.windows.set(key, { start: nowMs, count: 1 });
      return true;
    }
    w.count += 1;
    return w.count <= this.rule.limit;
  }

  private evict(nowMs: number): void {
    for (const [key, w] of this.windows) if (nowMs - w.start >= this.rule.windowMs) this.windows.delete(key);
    // Still full: every window is current; drop the oldest entries (Map keeps insertion order).
    const excess = this.windows.size - MAX_KEYS + 1;
    if (excess > 0) for (const key of [...this.windows.keys()].slice(0, excess)) this.windows.delete(key);
  }
}
