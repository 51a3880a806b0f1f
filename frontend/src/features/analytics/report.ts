/**
 * Studio → Analytics, the parts without a page: the shapes the dashboard reads, the last 30 days
 * made whole, and the figures as people read them. Rates (CTR, conversion, retention) arrive as
 * shares between 0 and 1; money as integer minor units with its currency.
 */
import { formatCount } from '../../lib/format';
import type { CreatorDay, StreamReport, StreamReportSummary } from '../../lib/types';

export type { CreatorDay, StreamReport, StreamReportSummary };

/** The dashboard's range: the last 30 days. */
export const DASHBOARD_DAYS = 30;
/** A live stream's report is read again this often while its page is open (the backend rebuilds it each minute at most). */
export const LIVE_REPORT_REFRESH_MS = 15_000;
/** How long after a stream's end its report is read again while it is not final (Athena's figures land 2–3 minutes after the end). */
export const FINAL_REPORT_WAIT_MS = 15 * 60_000;

const DAY_MS = 86_400_000;

/** The UTC date (YYYY-MM-DD) of a time. */
export const utcDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/**
 * Exactly `n` days ending with the day of `now` (UTC), oldest first: the API's days where it has
 * them, zeros for days it left out (a day without streams), nothing outside the range.
 */
export function lastDays(days: readonly CreatorDay[], n: number, now: number): CreatorDay[] {
  const byDate = new Map(days.map((d) => [d.date, d]));
  const end = Date.parse(`${utcDate(now)}T00:00:00Z`);
  return Array.from({ length: n }, (_, i) => {
    const date = utcDate(end - (n - 1 - i) * DAY_MS);
    return byDate.get(date) ?? { date, views: 0, watchHours: 0, salesRevenueMinor: 0, giftCoins: 0, followers: 0 };
  });
}

/** Sums of a range of days. */
export interface DayTotals {
  views: number;
  watchHours: number;
  salesRevenueMinor: number;
  giftCoins: number;
  followers: number;
}

/** The range's totals (what the figures above the charts say). */
export function dayTotals(days: readonly CreatorDay[]): DayTotals {
  return days.reduce<DayTotals>(
    (t, d) => ({
      views: t.views + d.views,
      watchHours: t.watchHours + d.watchHours,
      salesRevenueMinor: t.salesRevenueMinor + d.salesRevenueMinor,
      giftCoins: t.giftCoins + d.giftCoins,
      followers: t.followers + d.followers,
    }),
    { views: 0, watchHours: 0, salesRevenueMinor: 0, giftCoins: 0, followers: 0 },
  );
}

/** A share between 0 and 1 as a percentage: 0.1234 → "12.3%"; "—" where there is nothing to divide (no impressions yet). */
export function formatPercent(share: number | null | undefined, digits = 1): string {
  if (share == null || !Number.isFinite(share)) return '—';
  return `${(share * 100).toFixed(digits).replace(/\.0+$/, '')}%`;
}

/** A watch time as people say it: "45 s", "4 min 12 s", "1 h 05 min". */
export function formatWatchTime(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** Watch hours with one decimal under 100 ("12.5 h"), whole above ("1.2K h"). */
export function formatHours(hours: number): string {
  return hours < 100
    ? `${(Math.round(hours * 10) / 10).toLocaleString('en-US')} h`
    : `${formatCount(Math.round(hours))} h`;
}

/** A day's label on the charts and in lists: "3 Dec". */
export function dayLabel(date: string): string {
  return new Date(`${date}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', timeZone: 'UTC' });
}

/** The name a stream goes by in the list: its title, else when it started. */
export function streamName(s: Pick<StreamReportSummary, 'title' | 'startedAt'>): string {
  return (
    s.title?.trim() ||
    `Stream of ${new Date(s.startedAt).toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' })}`
  );
}

/** How long a stream ran (or has run, while live), in seconds. */
export function streamSeconds(s: Pick<StreamReportSummary, 'startedAt' | 'endedAt'>, now: number): number {
  const end = s.endedAt ? Date.parse(s.endedAt) : now;
  return Math.max(0, (end - Date.parse(s.startedAt)) / 1000);
}

/** The day on which a chart's point lies, for a time axis in seconds. */
export const dayX = (date: string): number => Date.parse(`${date}T00:00:00Z`) / 1000;

/** A series' one-line description for people who cannot see the chart: its total or peak, and when. */
export function seriesSummary(
  label: string,
  points: readonly { x: string; y: number }[],
  format: (v: number) => string,
  mode: 'total' | 'peak',
): string {
  if (points.length === 0) return `${label}: no data yet.`;
  const best = points.reduce((a, b) => (b.y > a.y ? b : a));
  if (mode === 'peak') return `${label}: peak ${format(best.y)} at ${best.x}.`;
  const total = points.reduce((a, b) => a + b.y, 0);
  return best.y > 0
    ? `${label}: ${format(total)} in all, most on ${best.x} (${format(best.y)}).`
    : `${label}: none in this period.`;
}
