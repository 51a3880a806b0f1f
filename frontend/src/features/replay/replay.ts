import type { Sale } from '../../lib/types';

/** A sale moment placed on the replay timeline. */
export interface Marker {
  saleId: string;
  seconds: number;
  percent: number;
  label: string;
}

/** Sale moments with a known offset, sorted, as timeline markers (percent of duration, clamped). */
export function saleMarkers(sales: Sale[], durationMs: number | null | undefined): Marker[] {
  return sales
    .filter((s) => s.offsetMs != null && s.offsetMs >= 0)
    .sort((a, b) => (a.offsetMs ?? 0) - (b.offsetMs ?? 0))
    .map((s) => {
      const ms = s.offsetMs ?? 0;
      return {
        saleId: s.saleId,
        seconds: ms / 1000,
        percent: durationMs && durationMs > 0 ? Math.min(100, (ms / durationMs) * 100) : 0,
        label: `${s.productTitle} sold to @${s.buyerHandle}`,
      };
    });
}

/** Poll delay while a recording restores: a quarter of the estimate, between 5 s and 5 min. */
export function restorePollDelay(readyInSeconds: number | null | undefined): number {
  const s = readyInSeconds ?? 60;
  return Math.min(300_000, Math.max(5_000, (s * 1000) / 4));
}

/** The recording id from /replay/?id= or /replay/<id>. */
export function recordingIdFromLocation(pathname: string, search: string): string | null {
  const q = new URLSearchParams(search).get('id');
  if (q) return q;
  const m = /^\/replay\/([^/?#]+)\/?$/.exec(pathname);
  return m?.[1] && m[1] !== 'index.html' ? decodeURIComponent(m[1]) : null;
}
