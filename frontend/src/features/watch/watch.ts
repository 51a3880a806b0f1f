/** The "Go live" button shows when playback is this many seconds behind live. */
export const BEHIND_LIVE_SECONDS = 5;

/** Whether to offer "Go live": only for live playback with a known latency above the threshold. */
export function isBehindLive(latencySeconds: number | null | undefined, isLive: boolean): boolean {
  return isLive && latencySeconds != null && Number.isFinite(latencySeconds) && latencySeconds > BEHIND_LIVE_SECONDS;
}

/** A timed-metadata cue (sent by the backend with PutMetadata) after validation. */
export type Cue =
  | { type: 'sale'; productId: string; title?: string; price?: number; currency?: string; buyerHandle?: string }
  | { type: 'feature'; productId: string; title?: string }
  | { type: 'other'; text: string };

/**
 * The cue texts in one TextMetadataCue: the backend coalesces a burst of cues into one PutMetadata
 * payload as a JSON array (lambdas/shared/domain/markers.ts), so each element is its own cue.
 */
export function cueTexts(text: string): string[] {
  try {
    const v: unknown = JSON.parse(text);
    if (Array.isArray(v) && v.length > 0) return v.map((c) => JSON.stringify(c));
  } catch {
    // not JSON: one plain text cue
  }
  return [text];
}

/** Parses TextMetadataCue text: JSON with a `type` field; anything else is kept as text. */
export function parseCue(text: string): Cue {
  try {
    const v = JSON.parse(text) as Record<string, unknown>;
    const type = String(v['type'] ?? v['kind'] ?? '').toLowerCase();
    const productId = typeof v['productId'] === 'string' ? v['productId'] : '';
    const title = typeof v['title'] === 'string' ? v['title'] : typeof v['productTitle'] === 'string' ? v['productTitle'] : undefined;
    if ((type === 'sale' || type === 'sold') && productId) {
      const cue: Cue = { type: 'sale', productId };
      if (title) cue.title = title;
      if (typeof v['price'] === 'number') cue.price = v['price'];
      if (typeof v['currency'] === 'string') cue.currency = v['currency'];
      if (typeof v['buyerHandle'] === 'string') cue.buyerHandle = v['buyerHandle'];
      return cue;
    }
    if ((type === 'feature' || type === 'featured') && productId) return title ? { type: 'feature', productId, title } : { type: 'feature', productId };
  } catch {
    // not JSON: plain text cue
  }
  return { type: 'other', text };
}

/** Reads the handle from /u/<handle> or /u/?handle= (the page is client-routed, see docs/web.md). */
export function handleFromLocation(pathname: string, search: string): string | null {
  const q = new URLSearchParams(search).get('handle');
  if (q) return q.trim().toLowerCase();
  const m = /^\/u\/([^/?#]+)\/?$/.exec(pathname);
  if (!m?.[1] || m[1] === 'index.html') return null;
  return decodeURIComponent(m[1]).toLowerCase();
}
