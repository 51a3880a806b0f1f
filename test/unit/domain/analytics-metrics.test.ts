/**
 * Every metric of the stream report on hand-made event sets: the named queries (lib/analytics/queries)
 * run on DuckDB, as CI and the local mode run them, then the report assembly (domain/analytics-report).
 */
import { describe, expect, it } from 'vitest';
import { buildStreamReport, type PlatformFigures } from '../../../lambdas/shared/domain/analytics-report';
import { ev, queryFigures, T0, watch } from '../../support/analytics';

const A = { session: '00000000-0000-4000-8000-00000000000a', viewer: 'anon-a' };
const A2 = { session: '00000000-0000-4000-8000-0000000000a2', viewer: 'anon-a' };
const B1 = { session: '00000000-0000-4000-8000-0000000000b1', viewer: 'anon-b', user: 'user-b' };
const B2 = { session: '00000000-0000-4000-8000-0000000000b2', viewer: 'anon-b2', user: 'user-b' };
const C = { session: '00000000-0000-4000-8000-00000000000c', viewer: 'anon-c' };
const minute0 = Math.floor(T0 / 60_000);

const platform = (over: Partial<PlatformFigures> = {}): PlatformFigures => ({
  streamId: 'st-1',
  channelId: 'u-streamer',
  title: 'Show',
  startedAt: new Date(T0).toISOString(),
  endedAt: new Date(T0 + 10 * 60_000).toISOString(),
  live: false,
  sales: [],
  giftCoins: 0,
  topGifters: [],
  chatMessages: 0,
  followerGain: 0,
  productTitles: new Map(),
  snapshots: [],
  defaultCurrency: 'USD',
  ...over,
});

describe('views, unique viewers and watch time', () => {
  it('a viewer who leaves and comes back: two views, one viewer, both watches counted, nothing for the time away', async () => {
    const f = await queryFigures([...watch(A, 0, 75), ...watch(A2, 300, 345)]);
    expect(f.views).toBe(2);
    expect(f.uniqueViewers).toBe(1);
    expect(f.watchSeconds).toBe(75 + 45);
    expect(f.perMinute).toEqual([
      { minute: minute0, viewers: 1 },
      { minute: minute0 + 1, viewers: 1 },
      { minute: minute0 + 5, viewers: 1 },
    ]);
  });

  it('overlapping sessions of one signed-in viewer (two tabs, two browsers): one viewer, the overlap watched once', async () => {
    const f = await queryFigures([...watch(B1, 0, 90), ...watch(B2, 45, 135)]);
    expect(f.views).toBe(2);
    expect(f.uniqueViewers).toBe(1);
    expect(f.watchSeconds).toBe(135);
    expect(f.perMinute.map((p) => p.viewers)).toEqual([1, 1, 1]);
  });

  it('a tab in the background: the gap without heartbeats is not watch time and not presence', async () => {
    const events = [
      ev('view_start', 0, C),
      ev('heartbeat', 30, C),
      ev('heartbeat', 400, C),
      ev('heartbeat', 430, C),
      ev('view_end', 440, C),
    ];
    const f = await queryFigures(events);
    expect(f.watchSeconds).toBe(30 + 30 + 10);
    expect(f.perMinute).toEqual([
      { minute: minute0, viewers: 1 },
      { minute: minute0 + 6, viewers: 1 },
      { minute: minute0 + 7, viewers: 1 },
    ]);
  });

  it('a gap of exactly 45 s counts, 46 s does not; nothing counts after a view_end', async () => {
    const f = await queryFigures([
      ev('view_start', 0, A),
      ev('heartbeat', 45, A),
      ev('heartbeat', 91, A),
      ev('view_end', 100, A),
      ev('heartbeat', 110, A),
    ]);
    expect(f.watchSeconds).toBe(45 + 9);
  });

  it('an event delivered twice counts once (same eventId)', async () => {
    const like = ev('like', 10, A);
    const events = [
      ...watch(A, 0, 60),
      like,
      { ...like, received_at_ms: like.received_at_ms + 5000 },
      ev('share', 20, A, { share_method: 'copy_link' }),
    ];
    const f = await queryFigures([...events, events[1]!]);
    expect(f.likes).toBe(1);
    expect(f.shares).toBe(1);
    expect(f.watchSeconds).toBe(60);
  });

  it('only the asked stream counts', async () => {
    const other = watch({ session: '00000000-0000-4000-8000-0000000000ff', viewer: 'anon-z' }, 0, 300).map((e) => ({
      ...e,
      stream_id: 'st-2',
    }));
    const f = await queryFigures([...watch(A, 0, 60), ...other]);
    expect(f.uniqueViewers).toBe(1);
    expect(f.watchSeconds).toBe(60);
  });
});

describe('concurrency, peak and retention', () => {
  it("peak concurrent is the most distinct viewers in a minute; retention is each minute's share of unique viewers", async () => {
    // A watches minutes 0-2, B (two sessions) minutes 1-2, C only minute 2.
    const f = await queryFigures([
      ...watch(A, 0, 170),
      ...watch(B1, 70, 150),
      ...watch(B2, 100, 160),
      ...watch(C, 125, 140),
    ]);
    const report = buildStreamReport(f, platform(), T0 + 10 * 60_000);
    expect(report.concurrency.slice(0, 4).map((p) => p.viewers)).toEqual([1, 2, 3, 0]);
    expect(report.peakConcurrent).toBe(3);
    expect(report.uniqueViewers).toBe(3);
    expect(report.retention.slice(0, 4)).toEqual([
      { minute: 0, share: 0.3333 },
      { minute: 1, share: 0.6667 },
      { minute: 2, share: 1 },
      { minute: 3, share: 0 },
    ]);
    expect(report.retention).toHaveLength(10);
    expect(report.averageWatchSeconds).toBe(Math.round(((170 + 90 + 15) / 3) * 10) / 10);
    expect(report.watchHours).toBe(Math.round(((170 + 90 + 15) / 3600) * 1000) / 1000);
  });
});

describe('products, attribution and revenue', () => {
  it('impressions and clicks are sessions; CTR = clicks / impressions; conversion counts purchases from sessions that saw the product', async () => {
    const p = (type: 'product_impression' | 'product_click', s: number, who: typeof A, productId: string) =>
      ev(type, s, who, { product_id: productId, click_kind: type === 'product_click' ? 'buy' : null });
    const events = [
      ...watch(A, 0, 60),
      ...watch(B1, 0, 60),
      ...watch(C, 0, 60),
      p('product_impression', 5, A, 'prd-1'),
      p('product_impression', 5, B1, 'prd-1'),
      p('product_impression', 6, C, 'prd-1'),
      p('product_impression', 7, A, 'prd-2'),
      p('product_click', 8, A, 'prd-1'),
      p('product_click', 9, A, 'prd-1'),
      p('product_click', 9, B1, 'prd-1'),
    ];
    const sales = [
      { productId: 'prd-1', productTitle: 'Lamp', price: 2500, currency: 'EUR', viewSessionId: A.session },
      // Bought without a session on this stream (another device): revenue and purchases, not conversion.
      { productId: 'prd-1', productTitle: 'Lamp', price: 2500, currency: 'EUR', viewSessionId: null },
      { productId: 'prd-3', productTitle: 'Vase', price: 900, currency: 'EUR', viewSessionId: C.session },
    ];
    const f = await queryFigures(events, 'st-1', [A.session, C.session]);
    const report = buildStreamReport(
      f,
      platform({ sales, productTitles: new Map([['prd-2', 'Rug']]) }),
      T0 + 10 * 60_000,
    );
    expect(report.salesRevenueMinor).toBe(5900);
    expect(report.currency).toBe('EUR');
    expect(report.products).toEqual([
      {
        productId: 'prd-1',
        title: 'Lamp',
        impressions: 3,
        clicks: 2,
        ctr: 0.6667,
        purchases: 2,
        conversion: 0.3333,
        revenueMinor: 5000,
      },
      {
        productId: 'prd-3',
        title: 'Vase',
        impressions: 0,
        clicks: 0,
        ctr: 0,
        purchases: 1,
        conversion: 0,
        revenueMinor: 900,
      },
      {
        productId: 'prd-2',
        title: 'Rug',
        impressions: 1,
        clicks: 0,
        ctr: 0,
        purchases: 0,
        conversion: 0,
        revenueMinor: 0,
      },
    ]);
  });

  it('the platform figures pass through: chat, followers, gifts, top gifters, snapshots', async () => {
    const f = await queryFigures(watch(A, 0, 60));
    const report = buildStreamReport(
      f,
      platform({
        chatMessages: 12,
        followerGain: 3,
        giftCoins: 450,
        topGifters: [{ userId: 'u9', handle: 'nine', coins: 400 }],
        snapshots: [{ at: new Date(T0 + 300_000).toISOString(), concurrent: 1, views: 1, likes: 0, revenueMinor: 0 }],
      }),
      T0 + 10 * 60_000,
    );
    expect(report).toMatchObject({
      chatMessages: 12,
      followerGain: 3,
      giftCoins: 450,
      topGifters: [{ handle: 'nine', coins: 400 }],
      currency: 'USD',
      live: false,
    });
    expect(report.snapshots).toHaveLength(1);
  });

  it('a stream nobody watched reports zeros, not NaN', async () => {
    const report = buildStreamReport(await queryFigures([]), platform(), T0 + 10 * 60_000);
    expect(report).toMatchObject({
      views: 0,
      uniqueViewers: 0,
      peakConcurrent: 0,
      averageWatchSeconds: 0,
      watchHours: 0,
    });
    expect(report.retention.every((r) => r.share === 0)).toBe(true);
  });
});
