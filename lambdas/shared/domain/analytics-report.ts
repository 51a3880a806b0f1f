/**
 * The per-stream report (issue 17, docs/analytics.md): the StreamReport GraphQL shape and how it is
 * put together from the viewer figures (the named queries' rows when final, the live counters while
 * the stream runs) and the platform's own records (sales, gifts, chat, follows). Pure.
 */
import type { LiveTotals } from './analytics-live';

// The report's shape is the API's (generated from lib/api/schema.graphql by `npm run gen:types`).
export type { ProductStats, ReportSnapshot, StreamReport } from '../api-types';
import type { ProductStats, ReportSnapshot, StreamReport, TopGifter } from '../api-types';
/** One of the stream's top gifters, as the report lists them. */
export type TopGifterView = TopGifter;

/** Viewer figures, whichever source they come from. */
export interface ViewerFigures {
  /** True when they come from the named queries (every event, deduplicated), false from the live counters. */
  exact: boolean;
  views: number;
  uniqueViewers: number;
  watchSeconds: number;
  likes: number;
  shares: number;
  /** Distinct viewers per epoch minute. */
  perMinute: { minute: number; viewers: number }[];
  products: { productId: string; impressions: number; clicks: number }[];
  /** Purchasing sessions that saw the product they bought: `<productId>\n<sessionId>`. */
  attributed: Set<string>;
}

/** A sale of the stream, as the report reads it. */
export interface ReportSale {
  productId: string;
  productTitle: string;
  price: number;
  currency: string;
  viewSessionId?: string | null;
}

export interface PlatformFigures {
  streamId: string;
  channelId: string;
  title: string | null;
  startedAt: string;
  endedAt: string | null;
  live: boolean;
  sales: readonly ReportSale[];
  giftCoins: number;
  topGifters: readonly TopGifterView[];
  chatMessages: number;
  followerGain: number;
  /** Product titles by id (products seen but never sold). */
  productTitles: ReadonlyMap<string, string>;
  snapshots: readonly ReportSnapshot[];
  /** Currency when the stream sold nothing. */
  defaultCurrency: string;
}

const ratio = (a: number, b: number) => (b > 0 ? Math.round((a / b) * 10_000) / 10_000 : 0);

/** Viewer figures from the named queries' rows (Athena answers every value as text). */
export function figuresFromQueries(rows: {
  totals: Record<string, string | null>[];
  concurrency: Record<string, string | null>[];
  products: Record<string, string | null>[];
  attribution: Record<string, string | null>[];
}): ViewerFigures {
  const n = (v: string | null | undefined) => (v === null || v === undefined || v === '' ? 0 : Number(v));
  const t = rows.totals[0] ?? {};
  return {
    exact: true,
    views: n(t.views),
    uniqueViewers: n(t.unique_viewers),
    watchSeconds: n(t.watch_ms) / 1000,
    likes: n(t.likes),
    shares: n(t.shares),
    perMinute: rows.concurrency
      .map((r) => ({ minute: n(r.epoch_minute), viewers: n(r.viewers) }))
      .sort((a, b) => a.minute - b.minute),
    products: rows.products.map((r) => ({
      productId: String(r.product_id),
      impressions: n(r.impressions),
      clicks: n(r.clicks),
    })),
    attributed: new Set(rows.attribution.map((r) => `${r.product_id}\n${r.session_id}`)),
  };
}

/** Viewer figures from the live counters (approximate where docs/analytics.md says so). */
export function figuresFromLive(live: LiveTotals): ViewerFigures {
  return {
    exact: false,
    views: live.views,
    uniqueViewers: live.uniqueViewers,
    watchSeconds: live.watchSeconds,
    likes: live.likes,
    shares: live.shares,
    perMinute: live.perMinute,
    products: [...live.products.entries()].map(([productId, p]) => ({
      productId,
      impressions: p.impressions,
      clicks: p.clicks,
    })),
    attributed: new Set(),
  };
}

/**
 * The concurrency series from the stream's first minute to its last (or the latest counted one
 * while live), a point per minute, minutes without viewers at 0.
 */
export function concurrencySeries(
  perMinute: ViewerFigures['perMinute'],
  startedAtMs: number,
  endMs: number,
): { minute: number; viewers: number }[] {
  const first = Math.floor(startedAtMs / 60_000);
  const last = Math.max(first, Math.floor((endMs - 1) / 60_000), ...perMinute.map((p) => p.minute));
  const byMinute = new Map(perMinute.map((p) => [p.minute, p.viewers]));
  const series: { minute: number; viewers: number }[] = [];
  for (let m = Math.min(first, ...perMinute.map((p) => p.minute)); m <= last; m++)
    series.push({ minute: m, viewers: byMinute.get(m) ?? 0 });
  return series;
}

/** Assembles the report. `nowMs` bounds a live stream's series. */
export function buildStreamReport(viewers: ViewerFigures, p: PlatformFigures, nowMs: number): StreamReport {
  const startedAtMs = Date.parse(p.startedAt);
  const endMs = p.endedAt ? Date.parse(p.endedAt) : nowMs;
  const series = concurrencySeries(viewers.perMinute, startedAtMs, endMs);
  const firstMinute = Math.floor(startedAtMs / 60_000);
  const salesRevenueMinor = p.sales.reduce((sum, s) => sum + s.price, 0);
  const currency = p.sales[0]?.currency ?? p.defaultCurrency;

  const products = new Map<string, ProductStats>();
  const product = (id: string, title?: string) => {
    let s = products.get(id);
    if (!s) {
      s = {
        productId: id,
        title: title ?? p.productTitles.get(id) ?? id,
        impressions: 0,
        clicks: 0,
        ctr: 0,
        purchases: 0,
        conversion: 0,
        revenueMinor: 0,
      };
      products.set(id, s);
    }
    return s;
  };
  for (const v of viewers.products)
    Object.assign(product(v.productId), { impressions: v.impressions, clicks: v.clicks });
  const converted = new Map<string, number>();
  for (const sale of p.sales) {
    const s = product(sale.productId, sale.productTitle);
    s.title = sale.productTitle || s.title;
    s.purchases += 1;
    s.revenueMinor += sale.price;
    if (sale.viewSessionId && viewers.attributed.has(`${sale.productId}\n${sale.viewSessionId}`))
      converted.set(sale.productId, (converted.get(sale.productId) ?? 0) + 1);
  }
  for (const s of products.values()) {
    s.ctr = ratio(s.clicks, s.impressions);
    s.conversion = ratio(converted.get(s.productId) ?? 0, s.impressions);
  }

  return {
    streamId: p.streamId,
    channelId: p.channelId,
    title: p.title,
    startedAt: p.startedAt,
    endedAt: p.endedAt,
    live: p.live,
    views: viewers.views,
    uniqueViewers: viewers.uniqueViewers,
    peakConcurrent: Math.max(0, ...series.map((s) => s.viewers)),
    averageWatchSeconds:
      viewers.uniqueViewers > 0 ? Math.round((viewers.watchSeconds / viewers.uniqueViewers) * 10) / 10 : 0,
    watchHours: Math.round((viewers.watchSeconds / 3600) * 1000) / 1000,
    likes: viewers.likes,
    shares: viewers.shares,
    chatMessages: p.chatMessages,
    followerGain: p.followerGain,
    salesRevenueMinor,
    giftCoins: p.giftCoins,
    currency,
    concurrency: series.map((s) => ({ at: new Date(s.minute * 60_000).toISOString(), viewers: s.viewers })),
    retention: series
      .filter((s) => s.minute >= firstMinute)
      .map((s) => ({ minute: s.minute - firstMinute, share: ratio(s.viewers, viewers.uniqueViewers) })),
    products: [...products.values()].sort(
      (a, b) =>
        b.revenueMinor - a.revenueMinor || b.impressions - a.impressions || a.productId.localeCompare(b.productId),
    ),
    topGifters: [...p.topGifters],
    snapshots: [...p.snapshots],
    generatedAt: new Date(nowMs).toISOString(),
    final: viewers.exact && !p.live,
  };
}
