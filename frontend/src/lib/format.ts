/** Formats integer minor units in an ISO 4217 currency, e.g. (1250, 'USD') → "$12.50". */
export function formatMoney(minor: number | null | undefined, currency: string, locale?: string): string {
  if (minor == null) return '—';
  const fmt = new Intl.NumberFormat(locale ?? 'en-US', { style: 'currency', currency });
  const digits = fmt.resolvedOptions().maximumFractionDigits ?? 2;
  return fmt.format(minor / 10 ** digits);
}

/**
 * Parses a user-typed major-unit amount into integer minor units; null if invalid. Accepts what
 * formatMoney writes ("$1,234.50", "¥1,234") and the comma decimal ("12,50", "1.234,50"): the last
 * separator followed by at most the currency's fraction digits is the decimal point, every other
 * one must group thousands. Null beyond the safe integers, so an amount is never rounded on its way to the API.
 */
export function parseMoney(text: string, currency: string): number | null {
  const digits =
    new Intl.NumberFormat('en-US', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  const t = text.trim().replace(/[^0-9.,]/g, '');
  if (!/^\d[\d.,]*$/.test(t)) return null;
  const last = Math.max(t.lastIndexOf('.'), t.lastIndexOf(','));
  const tail = last < 0 ? '' : t.slice(last + 1);
  const decimal = last >= 0 && tail.length <= digits && /^\d+$/.test(tail) ? last : -1;
  const whole = decimal < 0 ? t : t.slice(0, decimal);
  const frac = decimal < 0 ? '' : tail;
  // Grouped thousands only: 1,234,567 or 1.234.567 (one separator kind), never 12,34. A dot groups
  // only beside a decimal comma: "12.345" in dollars is a typo for cents, not twelve thousand.
  if (/[.,]/.test(whole) && !/^\d{1,3}([.,])\d{3}(\1\d{3})*$/.test(whole)) return null;
  if (decimal < 0 && whole.includes('.')) return null;
  const minor = Number(whole.replace(/[.,]/g, '') + (frac + '0'.repeat(digits)).slice(0, digits));
  return Number.isSafeInteger(minor) ? minor : null;
}

/** "1:05" / "1:02:03" for a duration in seconds (countdowns, timeline). */
export function formatDuration(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** Compact viewer counts: 999, 1.2K, 3.4M. */
export function formatCount(n: number | null | undefined): string {
  const v = n ?? 0;
  if (v < 1000) return String(v);
  if (v < 1_000_000) return `${(v / 1000).toFixed(v < 10_000 ? 1 : 0).replace(/\.0$/, '')}K`;
  return `${(v / 1_000_000).toFixed(1).replace(/\.0$/, '')}M`;
}

/**
 * A count with its noun, singular for exactly one: "1 viewer", "0 viewers", "1.2K followers". The
 * one plural helper for every count the app shows; `many` for nouns without a regular plural.
 */
export function plural(n: number | null | undefined, one: string, many = `${one}s`): string {
  const v = n ?? 0;
  return `${formatCount(v)} ${v === 1 ? one : many}`;
}

/** "about 3 hours", "about 12 minutes" for restore estimates. */
export function formatAbout(seconds: number): string {
  if (seconds < 90) return 'about a minute';
  if (seconds < 90 * 60) return `about ${Math.round(seconds / 60)} minutes`;
  return `about ${Math.round(seconds / 3600)} hours`;
}

/** Relative time for "starts in"/"ago" labels. */
export function formatRelative(iso: string, now = Date.now()): string {
  const diff = Date.parse(iso) - now;
  const abs = Math.abs(diff) / 1000;
  const unit =
    abs < 3600
      ? `${Math.max(1, Math.round(abs / 60))} min`
      : abs < 86400
        ? `${Math.round(abs / 3600)} h`
        : `${Math.round(abs / 86400)} d`;
  return diff >= 0 ? `in ${unit}` : `${unit} ago`;
}
