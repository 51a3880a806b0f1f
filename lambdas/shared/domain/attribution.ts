/**
 * Purchase attribution (docs/analytics.md): a sale carries the viewing session (the watch page's
 * analytics sessionId) it came from, passed by buyNow and placeBid as `viewSessionId`. Imported by
 * APPSYNC_JS resolvers too, so plain string checks only (no regex).
 */

/** Longest session id kept (the web app's are UUIDs, 36 characters). */
export const MAX_VIEW_SESSION_ID_LENGTH = 64;

/** The session id to store, or null when absent or not plausibly one (it attributes, it never refuses a purchase). */
export function analyticsSessionId(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const v = value.trim();
  if (v.length === 0 || v.length > MAX_VIEW_SESSION_ID_LENGTH) return null;
  return v;
}
