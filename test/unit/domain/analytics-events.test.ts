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
  type StoredEvent,
} from '../../../lambdas/shared/domain/analytics-events';
import {
  applyPresence,
  bucketOf,
  COUNTER_SHARDS,
  latestSnapshotMark,
  liveCounterKey,
  planLiveCounters,
  shardOf,
  sumLiveCounters,
  type ViewerState,
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
    // An event an hour ahead is refused on its own; it is no evidence of the client's clock.
    expect(
      clientSkewMs(
        {
          events: [
            event({ at: new Date(NOW + 3600_000).toISOString() }),
            event({ at: new Date(NOW + 30_000).toISOString() }),
          ],
        },
        NOW,
      ),
    ).toBe(30_000);
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

  it('plans per viewer its presence events and minutes, and folds duplicated events', () => {
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
    expect(plan.viewers.map((v) => [v.viewerId, v.presence.map((p) => p.atMs - T0), v.minutes.length])).toEqual([
      ['va', [0, 30_000, 65_000], 2],
      ['vb', [5_000], 1],
    ]);
    const total = plan.deltas.reduce((s, d) => ({ views: s.views + d.delta.views, likes: s.likes + d.delta.likes }), {
      views: 0,
      likes: 0,
    });
    expect(total).toEqual({ views: 2, likes: 1 });
    expect(plan.deltas.flatMap((d) => Object.entries(d.delta.products))).toEqual([['clk#p1', 1]]);
  });

  /** Runs batches of one viewer through applyPresence as the ingest path does; the watch time and new minutes each added. */
  function replay(batches: StoredEvent[][]) {
    let state: ViewerState | undefined;
    return batches.map((events) => {
      const v = planLiveCounters(events).viewers[0]!;
      const out = applyPresence(v, state);
      state = {
        minutes: new Set([...(state?.minutes ?? []), ...v.minutes]),
        untilMs: out.next?.untilMs ?? state?.untilMs ?? null,
        closed: out.next ? out.next.closed : (state?.closed ?? false),
      };
      return {
        watchSeconds: [...out.watchMs.values()].reduce((a, b) => a + b, 0) / 1000,
        newViewer: out.newViewer,
        newMinutes: out.newMinutes.length,
      };
    });
  }

  it('live, a viewer who has watched for 40 s reads 30 s, not 0 s; after a minute, a minute', () => {
    // The tracker's batches: view_start at 2 s (sent at 15 s), the first heartbeat at 32 s (sent at 45 s).
    // Counting 30 s per heartbeat received, the report read 0 s until 45 s and 30 s at a minute.
    const steps = replay([[ev('view_start', 2, A)], [ev('heartbeat', 32, A)], [ev('view_end', 62, A)]]);
    expect(steps).toEqual([
      { watchSeconds: 30, newViewer: true, newMinutes: 1 },
      { watchSeconds: 30, newViewer: false, newMinutes: 0 },
      { watchSeconds: 0, newViewer: false, newMinutes: 1 },
    ]);
  });

  it('a gap over 45 s (a background tab) and the time after a view_end are not watch time; the credit ahead is taken back', () => {
    const steps = replay([
      [ev('view_start', 0, A), ev('heartbeat', 30, A)],
      [ev('heartbeat', 200, A), ev('heartbeat', 230, A), ev('view_end', 240, A)],
      [ev('view_start', 250, A), ev('heartbeat', 280, A), ev('view_end', 290, A)],
    ]);
    const total = (n: number) => steps.slice(0, n).reduce((s, x) => s + x.watchSeconds, 0);
    // The final report's rule: 30 + 30 + 10 = 70 s by the first view_end, 70 + 40 = 110 s in all.
    expect([total(1), total(2), total(3)]).toEqual([60, 70, 110]);
  });

  it('two tabs of one viewer count once; a re-sent batch and a late one add nothing', () => {
    const tab1 = { session: 's1', viewer: 'vt' };
    const tab2 = { session: 's2', viewer: 'vt' };
    const first = [ev('view_start', 0, tab1), ev('view_start', 10, tab2), ev('heartbeat', 30, tab1)];
    const steps = replay([
      first,
      [ev('heartbeat', 40, tab2), ev('heartbeat', 60, tab1), ev('heartbeat', 70, tab2)],
      first,
      [ev('heartbeat', 50, tab1)],
      [ev('view_end', 75, tab2)],
    ]);
    // Watched 0–75 s in all (the union of the tabs), with nothing credited ahead once it ended.
    expect(steps.map((s) => s.watchSeconds)).toEqual([60, 40, 0, 0, -25]);
    expect(steps.reduce((s, x) => s + x.watchSeconds, 0)).toBe(75);
    expect(steps.map((s) => s.newViewer)).toEqual([true, false, false, false, false]);
    expect(steps.reduce((n, s) => n + s.newMinutes, 0)).toBe(2);
  });

  it('spreads viewers over the shards and sums them back per minute', () => {
    const shards = new Set(Array.from({ length: 200 }, (_, i) => shardOf(`viewer-${i}`)));
    expect(shards.size).toBe(COUNTER_SHARDS);
    const m = bucketOf(Math.floor(T0 / 60_000)) + 9;
    const items = [
      {
        SK: liveCounterKey('st-1', bucketOf(m), 0).SK,
        [`viewers@${m}`]: 3,
        uniqueViewers: 3,
        views: 3,
        watchMs: 90_500,
        'imp#p1': 2,
      },
      {
        SK: liveCounterKey('st-1', bucketOf(m), 5).SK,
        [`viewers@${m}`]: 4,
        uniqueViewers: 2,
        likes: 2,
        'imp#p1': 1,
        'clk#p1': 1,
      },
      { SK: liveCounterKey('st-1', bucketOf(m + 1), 5).SK, [`viewers@${m + 1}`]: 6 },
      // An earlier version's items: a minute item and a unique-viewer total.
      { SK: `M#${String(m + 2).padStart(10, '0')}#01`, viewers: 2, watchSeconds: 30 },
      { SK: 'TOTAL#03', uniqueViewers: 4 },
    ];
    expect(bucketOf(m + 1)).toBe(m + 1);
    const totals = sumLiveCounters(items);
    expect(totals.perMinute).toEqual([
      { minute: m, viewers: 7 },
      { minute: m + 1, viewers: 6 },
      { minute: m + 2, viewers: 2 },
    ]);
    expect(totals).toMatchObject({ views: 3, likes: 2, watchSeconds: 120.5, uniqueViewers: 9 });
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
