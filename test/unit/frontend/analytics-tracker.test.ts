import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  ANONYMOUS_ID_KEY,
  FLUSH_MS,
  HEARTBEAT_MS,
  IMPRESSION_MS,
  MAX_BATCH_BYTES,
  MAX_BATCH_EVENTS,
  anonymousId,
  batches,
  createTracker,
  tokenExpiry,
  type IntersectionEntryLike,
  type Tracker,
  type TrackerEnv,
} from '../../../frontend/src/features/analytics/tracker';
import { eventsUrl } from '../../../frontend/src/features/analytics/track';
import {
  MAX_BODY_BYTES,
  MAX_EVENTS_PER_REQUEST,
  analyticsBatchSchema,
} from '../../../lambdas/shared/domain/analytics-events';

type Sent = {
  via: 'fetch' | 'beacon';
  url: string;
  contentType?: string;
  keepalive?: boolean;
  idToken?: string;
  events: { type: string; productId?: string; sessionId: string; ttffMs?: number; clickKind?: string; at: string }[];
};

const ENDPOINT = 'https://analytics.example.com/events';
const jwt = (exp: number) => `h.${Buffer.from(JSON.stringify({ exp, token_use: 'id' })).toString('base64url')}.s`;

/** A page, a window and the network, all in memory: what the tracker would see in a browser. */
function fakeBrowser() {
  const visibility = new Set<() => void>();
  const lifecycle = {
    pagehide: new Set<(e: { persisted?: boolean }) => void>(),
    pageshow: new Set<(e: { persisted?: boolean }) => void>(),
  };
  const sent: Sent[] = [];
  /** Every request body as sent. */
  const bodies: string[] = [];
  const observed = new Set<Element>();
  let report: ((entries: IntersectionEntryLike[]) => void) | undefined;
  const net = { status: 204, down: false, beaconRefuses: false };
  let n = 0;
  const page = {
    visibilityState: 'visible' as DocumentVisibilityState,
    addEventListener: (_t: 'visibilitychange', l: () => void) => void visibility.add(l),
    removeEventListener: (_t: 'visibilitychange', l: () => void) => void visibility.delete(l),
  };
  const env: TrackerEnv = {
    page,
    lifecycle: {
      addEventListener: (t, l) => void lifecycle[t].add(l),
      removeEventListener: (t, l) => void lifecycle[t].delete(l),
    },
    fetch: async (url, init) => {
      bodies.push(String(init?.body));
      const body = JSON.parse(String(init?.body)) as Pick<Sent, 'idToken' | 'events'>;
      sent.push({
        via: 'fetch',
        url: String(url),
        contentType: (init?.headers as Record<string, string>)['content-type'],
        keepalive: init?.keepalive ?? false,
        ...body,
      });
      if (net.down) throw new TypeError('Failed to fetch');
      return new Response(null, { status: net.status });
    },
    sendBeacon: (url, body) => {
      if (net.beaconRefuses) return false;
      bodies.push(body);
      sent.push({ via: 'beacon', url, ...(JSON.parse(body) as Pick<Sent, 'idToken' | 'events'>) });
      return true;
    },
    observer: (cb) => {
      report = cb;
      return {
        observe: (el) => void observed.add(el),
        unobserve: (el) => void observed.delete(el),
        disconnect: () => observed.clear(),
      };
    },
    now: () => Date.now(),
    newId: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
  };
  return {
    env,
    sent,
    bodies,
    net,
    observed,
    events: () => sent.flatMap((s) => s.events),
    types: () => sent.flatMap((s) => s.events.map((e) => e.type)),
    setVisible(v: boolean) {
      page.visibilityState = v ? 'visible' : 'hidden';
      visibility.forEach((l) => l());
    },
    fire: (t: 'pagehide' | 'pageshow', persisted = false) => lifecycle[t].forEach((l) => l({ persisted })),
    /** The observer reports a card at `ratio` of its area on screen. */
    see: (el: Element, ratio: number) =>
      report?.([{ target: el, isIntersecting: ratio > 0, intersectionRatio: ratio }]),
  };
}

let b: ReturnType<typeof fakeBrowser>;
let t: Tracker;
const start = (idToken?: () => Promise<string | undefined>) =>
  createTracker(
    {
      endpoint: ENDPOINT,
      channelId: 'u-alice',
      streamId: 'st-1',
      anonymousId: 'anon-1',
      ...(idToken ? { idToken } : {}),
    },
    b.env,
  );
const card = (name: string) => ({ name }) as unknown as Element;

beforeEach(() => {
  vi.useFakeTimers({ now: Date.parse('2026-12-03T01:00:00Z') });
  b = fakeBrowser();
});
afterEach(() => {
  t?.end();
  vi.useRealTimers();
});

describe('analytics tracker: sessions and view_start', () => {
  it('view_start carries the time to first frame, once per session; every event carries the session, stream, channel and anonymous ids', async () => {
    t = start();
    t.viewStart(1234.6);
    t.viewStart(99);
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(b.events()).toEqual([
      {
        eventId: expect.any(String),
        type: 'view_start',
        ttffMs: 1235,
        sessionId: t.sessionId,
        anonymousId: 'anon-1',
        channelId: 'u-alice',
        streamId: 'st-1',
        at: '2026-12-03T01:00:00.000Z',
      },
    ]);
  });

  it('the events URL sits under the configured base, with or without its slash', () => {
    expect(eventsUrl('https://a.example.com/prod/')).toBe('https://a.example.com/prod/events');
    expect(eventsUrl('http://127.0.0.1:4100')).toBe('http://127.0.0.1:4100/events');
  });

  it('the anonymous id is kept in storage; blocked storage still yields one for the page', () => {
    const store = new Map<string, string>();
    const storage = {
      getItem: (k: string) => store.get(k) ?? null,
      setItem: (k: string, v: string) => void store.set(k, v),
    };
    const first = anonymousId(storage, () => crypto.randomUUID());
    expect(store.get(ANONYMOUS_ID_KEY)).toBe(first);
    expect(anonymousId(storage, () => crypto.randomUUID())).toBe(first);
    const blocked = {
      getItem: () => {
        throw new Error('SecurityError');
      },
      setItem: () => {
        throw new Error('SecurityError');
      },
    };
    expect(anonymousId(blocked, () => 'fresh')).toBe('fresh');
  });
});

describe('analytics tracker: heartbeats only while the video plays in a visible tab', () => {
  it('beats every 30 s while playing and visible, stops when hidden or paused, resumes after', async () => {
    t = start();
    t.viewStart(800);
    t.playing(true);
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS * 3 + 1_000);
    // Hiding the tab marks the moment with a heartbeat and hands everything queued to the beacon.
    b.setVisible(false);
    const beats = () => b.types().filter((x) => x === 'heartbeat').length;
    expect(beats()).toBe(4);
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS * 4);
    expect(beats()).toBe(4);

    // Back: a heartbeat marks where watching resumed, then one every 30 s from there.
    b.setVisible(true);
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS + 15_000);
    expect(beats()).toBe(6);

    t.playing(false);
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS * 4);
    expect(beats()).toBe(7);
  });

  it("the beats of a watch with a pause and a hidden tab give its true watch time under the final report's 45 s rule", async () => {
    t = start();
    t.viewStart(800);
    t.playing(true);
    // Watches 50 s, pauses 2 minutes, watches 40 s, hides the tab for 3 minutes, watches 20 s more, leaves.
    await vi.advanceTimersByTimeAsync(50_000);
    t.playing(false);
    await vi.advanceTimersByTimeAsync(120_000);
    t.playing(true);
    await vi.advanceTimersByTimeAsync(40_000);
    b.setVisible(false);
    await vi.advanceTimersByTimeAsync(180_000);
    b.setVisible(true);
    await vi.advanceTimersByTimeAsync(20_000);
    b.fire('pagehide');
    const times = b
      .events()
      .filter((e) => ['view_start', 'heartbeat', 'view_end'].includes(e.type))
      .map((e) => ({ type: e.type, at: Date.parse(e.at) }))
      .sort((x, y) => x.at - y.at);
    let watched = 0;
    for (let i = 1; i < times.length; i++) {
      const gap = times[i]!.at - times[i - 1]!.at;
      if (times[i - 1]!.type !== 'view_end' && gap <= 45_000) watched += gap;
    }
    expect(watched).toBe(110_000);
  });

  it('no heartbeat before the first frame (view_start), even while the player says it plays', async () => {
    t = start();
    t.playing(true);
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS * 3);
    expect(b.types()).toEqual([]);
  });

  it('no heartbeat in a tab that starts hidden (opened in the background)', async () => {
    b.setVisible(false);
    t = start();
    t.viewStart(500);
    t.playing(true);
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS * 3);
    expect(b.types()).toEqual(['view_start']);
  });
});

describe('analytics tracker: product impressions', () => {
  it('a card at least half visible for 1 s counts once per product per session, however often it comes back', async () => {
    t = start();
    const a = card('a');
    t.impression(a, 'p1');
    b.see(a, 0.6);
    await vi.advanceTimersByTimeAsync(IMPRESSION_MS);
    b.see(a, 0);
    b.see(a, 1);
    await vi.advanceTimersByTimeAsync(IMPRESSION_MS * 3);
    // The same product in a second card (the featured one re-rendered) is the same product.
    const again = card('a2');
    t.impression(again, 'p1');
    b.see(again, 1);
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(
      b
        .events()
        .filter((e) => e.type === 'product_impression')
        .map((e) => e.productId),
    ).toEqual(['p1']);
  });

  it('less than half visible, or visible for less than a second, is no impression', async () => {
    t = start();
    const a = card('a');
    const c = card('c');
    t.impression(a, 'p1');
    t.impression(c, 'p2');
    b.see(a, 0.4);
    b.see(c, 0.9);
    await vi.advanceTimersByTimeAsync(IMPRESSION_MS - 100);
    b.see(c, 0.3);
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(b.types()).toEqual([]);
  });

  it('a card on screen in a hidden tab counts only after a second of the tab being visible again', async () => {
    t = start();
    const a = card('a');
    t.impression(a, 'p1');
    b.see(a, 1);
    await vi.advanceTimersByTimeAsync(500);
    b.setVisible(false);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(b.types()).toEqual([]);
    b.setVisible(true);
    await vi.advanceTimersByTimeAsync(IMPRESSION_MS - 1);
    t.productClick('p1', 'open');
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(b.types()).toEqual(['product_click', 'product_impression']);
  });

  it('stops watching a card when asked (the card left the page)', async () => {
    t = start();
    const a = card('a');
    const stop = t.impression(a, 'p1');
    expect(b.observed.has(a)).toBe(true);
    b.see(a, 1);
    stop();
    expect(b.observed.has(a)).toBe(false);
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(b.types()).toEqual([]);
  });
});

describe('analytics tracker: batches and the beacon', () => {
  it('sends every 15 s in one text/plain keepalive request, nothing when there is nothing to send', async () => {
    t = start();
    t.viewStart(700);
    t.productClick('p1', 'open');
    t.productClick('p1', 'buy');
    t.like();
    t.share('copy_link');
    await vi.advanceTimersByTimeAsync(FLUSH_MS - 1);
    expect(b.sent).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(b.sent).toHaveLength(1);
    expect(b.sent[0]).toMatchObject({
      via: 'fetch',
      url: ENDPOINT,
      contentType: 'text/plain;charset=UTF-8',
      keepalive: true,
    });
    expect(b.types()).toEqual(['view_start', 'product_click', 'product_click', 'like', 'share']);
    expect(b.events()[2]).toMatchObject({ productId: 'p1', clickKind: 'buy' });
    await vi.advanceTimersByTimeAsync(FLUSH_MS * 3);
    expect(b.sent).toHaveLength(1);
  });

  it('splits a long queue into requests of at most 100 events', async () => {
    t = start();
    for (let i = 0; i < 250; i++) t.productClick(`p${i}`, 'open');
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(b.sent.map((s) => s.events.length)).toEqual([100, 100, 50]);
    expect(b.events().map((e) => e.productId)).toEqual(Array.from({ length: 250 }, (_, i) => `p${i}`));
  });

  it('keeps each request under the byte limit with the token in it', () => {
    const big = Array.from({ length: 90 }, (_, i) => ({
      eventId: `e${i}`,
      type: 'product_click' as const,
      sessionId: 's',
      anonymousId: 'a',
      channelId: 'c',
      streamId: 'x',
      productId: 'p'.repeat(1_000),
      clickKind: 'open' as const,
      at: 'now',
    }));
    const out = batches(big, 't'.repeat(900), new Date().toISOString());
    expect(out.length).toBeGreaterThan(1);
    for (const o of out) expect(new TextEncoder().encode(o.body).length).toBeLessThanOrEqual(MAX_BATCH_BYTES);
    expect(out.flatMap((o) => o.events)).toHaveLength(90);
    expect(out.every((o) => o.events.length <= MAX_BATCH_EVENTS)).toBe(true);
  });

  it('the tab going hidden hands what is queued to sendBeacon at once', async () => {
    t = start();
    t.viewStart(900);
    t.productClick('p1', 'bid');
    b.setVisible(false);
    expect(b.sent.map((s) => s.via)).toEqual(['beacon']);
    expect(b.types()).toEqual(['view_start', 'product_click']);
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(b.sent).toHaveLength(1);
  });

  it('the page going away sends view_end by beacon; a refused beacon falls back to a keepalive fetch', async () => {
    t = start();
    t.viewStart(900);
    b.net.beaconRefuses = true;
    b.fire('pagehide');
    expect(b.sent.map((s) => s.via)).toEqual(['fetch']);
    expect(b.sent[0]?.keepalive).toBe(true);
    expect(b.types()).toEqual(['view_start', 'view_end']);
  });

  it('a page restored from the back/forward cache is a new session with its own view_start', async () => {
    t = start();
    t.viewStart(900);
    const first = t.sessionId;
    b.fire('pagehide', true);
    b.fire('pageshow', true);
    expect(t.sessionId).not.toBe(first);
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(b.events().map((e) => [e.type, e.sessionId === first])).toEqual([
      ['view_start', true],
      ['view_end', true],
      ['view_start', false],
    ]);
  });

  it('end() sends view_end and stops: no heartbeats, no more requests', async () => {
    t = start();
    t.viewStart(900);
    t.playing(true);
    t.end();
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS * 3);
    expect(b.types()).toEqual(['view_start', 'view_end']);
  });
});

describe('analytics tracker: what it sends is what the endpoint takes', () => {
  it("every body passes the endpoint's own schema (analytics-events.ts), and the limits are the endpoint's", async () => {
    expect(MAX_BATCH_EVENTS).toBe(MAX_EVENTS_PER_REQUEST);
    expect(MAX_BATCH_BYTES).toBeLessThanOrEqual(MAX_BODY_BYTES);
    t = createTracker(
      {
        endpoint: ENDPOINT,
        channelId: 'u-alice',
        streamId: 'st_1-a',
        anonymousId: crypto.randomUUID(),
        idToken: async () => jwt(Math.floor(Date.now() / 1000) + 3600),
      },
      { ...b.env, newId: () => crypto.randomUUID() },
    );
    t.viewStart(2_345.5);
    t.playing(true);
    const a = card('a');
    t.impression(a, 'prod_1');
    b.see(a, 1);
    t.productClick('prod_1', 'open');
    t.productClick('prod_1', 'bid');
    t.productClick('prod_1', 'buy');
    t.share('web_share');
    t.share('copy_link');
    t.like();
    await vi.advanceTimersByTimeAsync(HEARTBEAT_MS + 1);
    b.setVisible(false);
    b.setVisible(true);
    for (let i = 0; i < 150; i++) t.like();
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    b.fire('pagehide');
    expect(b.types()).toEqual(
      expect.arrayContaining([
        'view_start',
        'heartbeat',
        'product_impression',
        'product_click',
        'share',
        'like',
        'view_end',
      ]),
    );
    expect(b.bodies.length).toBeGreaterThanOrEqual(3);
    for (const body of b.bodies) {
      expect(new TextEncoder().encode(body).length).toBeLessThanOrEqual(MAX_BODY_BYTES);
      const parsed = analyticsBatchSchema.safeParse(JSON.parse(body));
      expect(parsed.error?.issues ?? []).toEqual([]);
    }
  });

  it('a time to first frame the endpoint would refuse is left out, not sent', async () => {
    t = start();
    t.viewStart(10 * 60_000 + 1);
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(b.events()[0]).not.toHaveProperty('ttffMs');
  });
});

describe('analytics tracker: the endpoint down or refusing never breaks the page', () => {
  it('events the endpoint could not take (network down, 429, 503) go with the next batch; refused ones (400) are dropped', async () => {
    t = start();
    t.viewStart(900);
    b.net.down = true;
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    b.net.down = false;
    b.net.status = 429;
    t.like();
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    b.net.status = 204;
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(b.sent.map((s) => s.events.map((e) => e.type))).toEqual([
      ['view_start'],
      ['view_start', 'like'],
      ['view_start', 'like'],
    ]);

    b.net.status = 400;
    t.share('web_share');
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    b.net.status = 204;
    await vi.advanceTimersByTimeAsync(FLUSH_MS * 2);
    expect(b.sent).toHaveLength(4);
  });

  it('a 200 that lists refused events is taken as done: the accepted ones are never sent again', async () => {
    t = start();
    t.viewStart(900);
    t.like();
    b.net.status = 200;
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    b.net.status = 204;
    t.share('copy_link');
    await vi.advanceTimersByTimeAsync(FLUSH_MS * 2);
    expect(b.sent.map((s) => s.events.map((e) => e.type))).toEqual([['view_start', 'like'], ['share']]);
  });

  it('an ID token goes in the body while it is valid, never once expired; a failing token read sends as a guest', async () => {
    let token: string | undefined = jwt(Math.floor(Date.now() / 1000) + 3600);
    t = start(async () => token);
    t.like();
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(b.sent[0]?.idToken).toBe(token);
    token = jwt(Math.floor(Date.now() / 1000) - 10);
    t.like();
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(b.sent[1]).not.toHaveProperty('idToken');
    t.end();
    t = start(async () => {
      throw new Error('refresh failed');
    });
    t.like();
    await vi.advanceTimersByTimeAsync(FLUSH_MS);
    expect(b.sent[2]).not.toHaveProperty('idToken');
    expect(tokenExpiry('not a jwt')).toBeNull();
  });
});
