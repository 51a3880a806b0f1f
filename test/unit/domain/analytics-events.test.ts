/** The event schema at the edge, clock skew correction, live counter plans and snapshot marks. */
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  AnalyticsRefusal,
  analyticsBatchSchema,
  checkBatchTimes,
  clientSkewMs,
  MAX_EVENTS_PER_REQUEST,
  refusalFromIssues,
  toStoredEvent,
  type AnalyticsEvent,
} from '../../../lambdas/shared/domain/analytics-events';
import {
  COUNTER_SHARDS,
  latestSnapshotMark,
  liveCounterKey,
  planLiveCounters,
  shardOf,
  sumLiveCounters,
} from '../../../lambdas/shared/domain/analytics-live';
import { RateLimiter } from '../../../lambdas/analytics-ingest/rate-limit';
import { ev, T0 } from '../../support/analytics';

const NOW = Date.parse('2026-12-01T20:10:00.000Z');
const event = (over: Partial<AnalyticsEvent> = {}): AnalyticsEvent => ({
  eventId: randomUUID(),
  type: 'heartbeat',
  sessionId: randomUUID(),
  anonymousId: randomUUID(),
  channelId: 'u-1',
  streamId: 'st-1',
  at: new Date(NOW - 5000).toISOString(),
  ...over,
});
const refusal = (body: unknown) => {
  const r = analyticsBatchSchema.safeParse(body);
  return r.success ? undefined : refusalFromIssues(r.error.issues);
};

describe('the batch schema', () => {
  it('accepts every event type with the fields it needs', () => {
    const events = [
      event({ type: 'view_start', ttffMs: 900 }),
      event(),
      event({ type: 'view_end' }),
      event({ type: 'like' }),
      event({ type: 'share', shareMethod: 'web_share' }),
      event({ type: 'product_impression', productId: 'prd-1' }),
      event({ type: 'product_click', productId: 'prd-1', clickKind: 'bid' }),
    ];
    expect(analyticsBatchSchema.parse({ events }).events).toHaveLength(7);
  });

  it('refuses with a sentence naming the event: unknown type, missing product, unknown field, bad ids', () => {
    expect(refusal({ events: [event(), { ...event(), type: 'purchase' }] })).toMatch(
      /^Event 2: Event type "purchase" is unknown; expected one of view_start/,
    );
    expect(refusal({ events: [event({ type: 'product_click', productId: 'p', clickKind: undefined })] })).toBe(
      'Event 1: A product_click event needs a clickKind.',
    );
    expect(refusal({ events: [event({ type: 'product_impression' })] })).toBe(
      'Event 1: A product_impression event needs a productId.',
    );
    expect(refusal({ events: [{ ...event(), price: 5 }] })).toBe('Event 1: Unknown field price.');
    expect(refusal({ events: [event({ sessionId: 'x' })] })).toBe('Event 1: sessionId is not a UUID.');
    expect(refusal({ events: [event({ streamId: 'st/../x' })] })).toMatch(/^Event 1: streamId may hold only letters/);
    expect(refusal([])).toBe('The request body must be a JSON object with an "events" array.');
    expect(refusal({ events: [] })).toBe('The batch holds no events.');
    expect(refusal({ events: Array.from({ length: MAX_EVENTS_PER_REQUEST + 1 }, () => event()) })).toMatch(
      /at most 100 events/,
    );
  });
});

describe('clock skew', () => {
  it('with sentAt, a client 10 minutes ahead gets its events moved back by exactly its skew', () => {
    const ahead = 10 * 60_000;
    const e = event({ at: new Date(NOW - 20_000 + ahead).toISOString() });
    const batch = { sentAt: new Date(NOW + ahead - 300).toISOString(), events: [e] };
    const skew = clientSkewMs(batch, NOW);
    expect(skew).toBe(ahead - 300);
    expect(() => checkBatchTimes(batch, NOW)).toThrow(AnalyticsRefusal);
    const behind = {
      sentAt: new Date(NOW - ahead).toISOString(),
      events: [event({ at: new Date(NOW - ahead - 20_000).toISOString() })],
    };
    expect(() => checkBatchTimes(behind, NOW)).not.toThrow();
    expect(
      toStoredEvent(behind.events[0]!, { userId: null, receivedAtMs: NOW, skewMs: clientSkewMs(behind, NOW) }).at_ms,
    ).toBe(NOW - 20_000);
  });

  it('without sentAt, a client ahead of the server is corrected by its newest event; one behind by less than a flush is left alone', () => {
    const ahead = {
      events: [
        event({ at: new Date(NOW + 60_000).toISOString() }),
        event({ at: new Date(NOW + 30_000).toISOString() }),
      ],
    };
    expect(clientSkewMs(ahead, NOW)).toBe(60_000);
    expect(toStoredEvent(ahead.events[1]!, { userId: 'u', receivedAtMs: NOW, skewMs: 60_000 })).toMatchObject({
      at_ms: NOW - 30_000,
      client_at_ms: NOW + 30_000,
      viewer_id: 'u',
      user_id: 'u',
    });
    expect(clientSkewMs({ events: [event({ at: new Date(NOW - 10_000).toISOString() })] }, NOW)).toBe(0);
  });

  it('refuses events from the future and from long ago', () => {
    expect(() =>
      checkBatchTimes({ events: [event(), event({ at: new Date(NOW + 3600_000).toISOString() })] }, NOW),
    ).toThrow(/Event 2 is timed more than 5 minutes in the future/);
    expect(() =>
      checkBatchTimes(
        { sentAt: new Date(NOW).toISOString(), events: [event({ at: new Date(NOW + 60_000).toISOString() })] },
        NOW,
      ),
    ).toThrow(/after the batch was sent/);
    expect(() => checkBatchTimes({ events: [event({ at: new Date(NOW - 7 * 3600_000).toISOString() })] }, NOW)).toThrow(
      /more than 6 hours old/,
    );
  });

  it('an anonymous viewer counts under the anonymous id', () => {
    const e = event();
    expect(toStoredEvent(e, { userId: null, receivedAtMs: NOW, skewMs: 0 })).toMatchObject({
      viewer_id: e.anonymousId,
      user_id: null,
      anonymous_id: e.anonymousId,
    });
  });
});

describe('live counters', () => {
  const A = { session: 'sa', viewer: 'va' };
  const B = { session: 'sb', viewer: 'vb' };

  it('plans one presence marker per viewer and minute, and folds duplicated events', () => {
    const hb = ev('heartbeat', 30, A);
    const plan = planLiveCounters([
      ev('view_start', 0, A),
      hb,
      hb,
      ev('heartbeat', 65, A),
      ev('like', 10, A),
      ev('view_start', 5, B),
      ev('product_click', 20, B, { product_id: 'p1', click_kind: 'open' }),
    ]);
    expect(plan.presence).toHaveLength(3);
    expect(plan.viewers.map((v) => v.viewerId).sort()).toEqual(['va', 'vb']);
    const total = plan.deltas.reduce(
      (s, d) => ({
        views: s.views + d.delta.views,
        likes: s.likes + d.delta.likes,
        watch: s.watch + d.delta.watchSeconds,
      }),
      { views: 0, likes: 0, watch: 0 },
    );
    expect(total).toEqual({ views: 2, likes: 1, watch: 60 });
    expect(plan.deltas.flatMap((d) => Object.entries(d.delta.products))).toEqual([['clk#p1', 1]]);
  });

  it('spreads viewers over the shards and sums them back per minute', () => {
    const shards = new Set(Array.from({ length: 200 }, (_, i) => shardOf(`viewer-${i}`)));
    expect(shards.size).toBe(COUNTER_SHARDS);
    const m = Math.floor(T0 / 60_000);
    const items = [
      { SK: liveCounterKey('st-1', m, 0).SK, viewers: 3, views: 3, watchSeconds: 90, 'imp#p1': 2 },
      { SK: liveCounterKey('st-1', m, 5).SK, viewers: 4, likes: 2, 'imp#p1': 1, 'clk#p1': 1 },
      { SK: liveCounterKey('st-1', m + 1, 5).SK, viewers: 6 },
      { SK: 'TOTAL#03', uniqueViewers: 9 },
    ];
    const totals = sumLiveCounters(items);
    expect(totals.perMinute).toEqual([
      { minute: m, viewers: 7 },
      { minute: m + 1, viewers: 6 },
    ]);
    expect(totals).toMatchObject({ views: 3, likes: 2, watchSeconds: 90, uniqueViewers: 9 });
    expect(totals.products.get('p1')).toEqual({ impressions: 3, clicks: 1 });
  });

  it('takes a snapshot at each 5-minute mark of the stream, and the missed one on the next run', () => {
    expect(latestSnapshotMark(T0, T0 + 4 * 60_000 + 59_000)).toBeUndefined();
    expect(latestSnapshotMark(T0, T0 + 5 * 60_000)).toBe(new Date(T0 + 5 * 60_000).toISOString());
    expect(latestSnapshotMark(T0, T0 + 11 * 60_000)).toBe(new Date(T0 + 10 * 60_000).toISOString());
  });
});

describe('the per-instance rate limit', () => {
  it('allows the limit per window and per key, then refuses until the window passes', () => {
    const limiter = new RateLimiter({ limit: 3, windowMs: 60_000 });
    expect([1, 2, 3, 4].map(() => limiter.take('a', NOW))).toEqual([true, true, true, false]);
    expect(limiter.take('b', NOW)).toBe(true);
    expect(limiter.take('a', NOW + 60_000)).toBe(true);
  });
});
