/**
 * CSV export of a stream's report and of the last 30 days (RFC 4180: commas, double quotes doubled,
 * CRLF line ends). Money goes out in major units with the currency in the column's name, rates as
 * percentages, so the file reads right in a spreadsheet without conversion. Text that a spreadsheet
 * would run as a formula (a product titled "=HYPERLINK(…)") is written as text.
 */
import { toDecimalString } from '../../../../lambdas/shared/domain/money';
import type { CreatorDay, StreamReport } from './report';

/** One cell's value. */
export type Cell = string | number | boolean | null | undefined;

/** A spreadsheet runs a cell starting with one of these as a formula (OWASP "CSV injection"). */
const FORMULA_START = /^[=+\-@\t\r]/;
const NUMBER = /^-?\d+(\.\d+)?$/;

/** One cell as CSV: quoted when it holds a separator, a quote or a line break; text that would run as a formula prefixed with an apostrophe. */
export function csvCell(v: Cell): string {
  if (v == null) return '';
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  // A plain number written as text ("-12.50") is a number to a spreadsheet, not a formula.
  const text = typeof v === 'boolean' || NUMBER.test(v) || !FORMULA_START.test(v) ? String(v) : `'${v}`;
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Rows as a CSV document (CRLF after every row, as RFC 4180 and Excel expect). */
export function toCsv(rows: readonly (readonly Cell[])[]): string {
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** A share between 0 and 1 as a percentage number with two decimals (12.35 for 0.12345). */
const pct = (share: number): number | null => (Number.isFinite(share) ? Math.round(share * 10_000) / 100 : null);
const money = (minor: number, currency: string): string => toDecimalString({ amount: minor, currency });

/**
 * A stream's report as one CSV file: the stream, its figures, then one table per part (products,
 * concurrent viewers, retention, top gifters, 5-minute snapshots), each under its own heading and
 * separated by a blank row.
 */
export function reportCsv(r: StreamReport): string {
  const c = r.currency;
  const rows: Cell[][] = [
    ['Stream report'],
    ['Title', r.title ?? ''],
    ['Stream id', r.streamId],
    ['Started', r.startedAt],
    ['Ended', r.endedAt ?? (r.live ? 'live' : '')],
    ['Generated', r.generatedAt],
    [],
    ['Metric', 'Value'],
    ['Views', r.views],
    ['Unique viewers', r.uniqueViewers],
    ['Peak concurrent viewers', r.peakConcurrent],
    ['Average watch time (seconds)', Math.round(r.averageWatchSeconds * 10) / 10],
    ['Watch hours', Math.round(r.watchHours * 100) / 100],
    ['Likes', r.likes],
    ['Shares', r.shares],
    ['Chat messages', r.chatMessages],
    ['Follower gain', r.followerGain],
    [`Sales revenue (${c})`, money(r.salesRevenueMinor, c)],
    ['Gift coins', r.giftCoins],
    [],
    ['Products'],
    ['Product id', 'Title', 'Impressions', 'Clicks', 'CTR (%)', 'Purchases', 'Conversion (%)', `Revenue (${c})`],
    ...r.products.map((p) => [
      p.productId,
      p.title,
      p.impressions,
      p.clicks,
      pct(p.ctr),
      p.purchases,
      pct(p.conversion),
      money(p.revenueMinor, c),
    ]),
    [],
    ['Concurrent viewers'],
    ['Time', 'Viewers'],
    ...r.concurrency.map((p) => [p.at, p.viewers]),
    [],
    ['Retention'],
    ['Minute', 'Still watching (%)'],
    ...r.retention.map((p) => [p.minute, pct(p.share)]),
    [],
    ['Top gifters'],
    ['Handle', 'Coins'],
    ...r.topGifters.map((g) => [g.handle, g.coins]),
    [],
    ['Snapshots'],
    ['Time', 'Concurrent viewers', 'Views', 'Likes', `Revenue (${c})`],
    ...r.snapshots.map((s) => [s.at, s.concurrent, s.views, s.likes, money(s.revenueMinor, c)]),
  ];
  return toCsv(rows);
}

/** The last days as CSV, one row a day, oldest first. */
export function daysCsv(days: readonly CreatorDay[], currency: string): string {
  return toCsv([
    ['Date', 'Views', 'Watch hours', `Sales revenue (${currency})`, 'Gift coins', 'Followers'],
    ...days.map((d) => [
      d.date,
      d.views,
      Math.round(d.watchHours * 100) / 100,
      money(d.salesRevenueMinor, currency),
      d.giftCoins,
      d.followers,
    ]),
  ]);
}

/** A file name for a stream's report: "stream-report-2026-12-03-summer-sale.csv". */
export function reportFileName(r: Pick<StreamReport, 'startedAt' | 'title' | 'streamId'>): string {
  const slug = (r.title ?? '')
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40);
  return `stream-report-${r.startedAt.slice(0, 10)}-${slug || r.streamId.replace(/[^A-Za-z0-9_-]/g, '')}.csv`;
}

/** Offers `csv` as a download named `name` (UTF-8 with a byte-order mark, which Excel needs to read accents right). */
export function downloadCsv(csv: string, name: string): void {
  const url = URL.createObjectURL(new Blob(['\uFEFF', csv], { type: 'text/csv;charset=utf-8' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
