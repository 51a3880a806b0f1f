/** Exponential backoff with full jitter, capped: attempt 0 → ~base, doubling up to cap. */
export function backoffDelay(
  attempt: number,
  baseMs = 500,
  capMs = 30_000,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attempt));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/**
 * Polls `fn` every `intervalMs` while the page is visible; after failures it waits with backoff
 * instead, so a slow or down API is not hammered. Returns a stop function.
 */
export function poll(fn: () => Promise<unknown>, intervalMs: number, onError?: (e: unknown) => void): () => void {
  let stopped = false;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const tick = async () => {
    if (stopped) return;
    try {
      if (typeof document === 'undefined' || document.visibilityState !== 'hidden') await fn();
      failures = 0;
    } catch (e) {
      failures += 1;
      onError?.(e);
    }
    if (!stopped) timer = setTimeout(tick, failures ? backoffDelay(failures, intervalMs) : intervalMs);
  };
  timer = setTimeout(tick, intervalMs);
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
  };
}
