/**
 * The watch page's analytics tracker: the viewer events of one watch-page view of one live stream
 * (a session), batched and sent to the analytics endpoint (docs/analytics.md, the contract in
 * ANALYTICS-CONTRACT). Everything here is best effort: an endpoint that is down, slow or refusing
 * never throws into the page and never holds up the video.
 *
 * The browser is reached only through `TrackerEnv`, so the timing rules (heartbeats only while the
 * video plays in a visible tab, impressions once per product, the 15 s batches, the beacon on hide)
 * are tested with fake timers and fake page objects.
 */
import type { AnalyticsEvent } from '../../../../lambdas/shared/domain/analytics-events';

/** A heartbeat every 30 s of playing in a visible tab. */
export const HEARTBEAT_MS = 30_000;
/** Queued events are sent every 15 s (and at once when the tab is hidden or the page goes away). */
export const FLUSH_MS = 15_000;
/** A product card counts as seen once at least half of it is on screen for a second. */
export const IMPRESSION_RATIO = 0.5;
export const IMPRESSION_MS = 1_000;
/** The endpoint's limits per request (MAX_EVENTS_PER_REQUEST and MAX_BODY_BYTES of analytics-events.ts): 100 events and 64 KB; batches stay under both. */
export const MAX_BATCH_EVENTS = 100;
export const MAX_BATCH_BYTES = 60_000;
/** The largest time to first frame the endpoint takes (analyticsEventSchema); a longer wait is sent without it rather than cost the batch. */
export const MAX_TTFF_MS = 600_000;
/** Events kept for a later try while the endpoint is unreachable; the oldest go first beyond this. */
export const MAX_QUEUED_EVENTS = 1_000;

export type ClickKind = NonNullable<AnalyticsEvent['clickKind']>;
export type ShareMethod = NonNullable<AnalyticsEvent['shareMethod']>;

/** The page as the tracker sees it (a Document in the browser). */
export interface PageLike {
  readonly visibilityState: DocumentVisibilityState;
  addEventListener(type: 'visibilitychange', listener: () => void): void;
  removeEventListener(type: 'visibilitychange', listener: () => void): void;
}

/** The window's page-lifecycle events (pagehide, pageshow). */
export interface LifecycleLike {
  addEventListener(type: 'pagehide' | 'pageshow', listener: (e: { persisted?: boolean }) => void): void;
  removeEventListener(type: 'pagehide' | 'pageshow', listener: (e: { persisted?: boolean }) => void): void;
}

/** What an IntersectionObserver reports per target, as far as the tracker reads it. */
export interface IntersectionEntryLike {
  readonly target: Element;
  readonly isIntersecting: boolean;
  readonly intersectionRatio: number;
}

/** An IntersectionObserver (the subset the tracker uses). */
export interface ObserverLike {
  observe(el: Element): void;
  unobserve(el: Element): void;
  disconnect(): void;
}

/** The browser services the tracker uses; `browserEnv()` gives the real ones. */
export interface TrackerEnv {
  readonly page: PageLike;
  readonly lifecycle: LifecycleLike;
  readonly fetch: typeof fetch;
  /** navigator.sendBeacon, bound; absent where the browser has none. */
  readonly sendBeacon?: (url: string, body: string) => boolean;
  /** Creates an IntersectionObserver; absent where the browser has none (no impressions then). */
  readonly observer?: (callback: (entries: IntersectionEntryLike[]) => void, thresholds: number[]) => ObserverLike;
  readonly now: () => number;
  readonly newId: () => string;
}

/** The real browser. */
export function browserEnv(): TrackerEnv {
  const IO = typeof IntersectionObserver === 'undefined' ? undefined : IntersectionObserver;
  const beacon =
    typeof navigator !== 'undefined' && typeof navigator.sendBeacon === 'function'
      ? navigator.sendBeacon.bind(navigator)
      : undefined;
  return {
    page: document,
    lifecycle: window,
    fetch: (...args) => fetch(...args),
    ...(beacon ? { sendBeacon: (url: string, body: string) => beacon(url, body) } : {}),
    ...(IO
      ? {
          observer: (cb: (entries: IntersectionEntryLike[]) => void, thresholds: number[]) =>
            new IO(cb, { threshold: thresholds }),
        }
      : {}),
    now: () => Date.now(),
    newId: () => crypto.randomUUID(),
  };
}

/** What the tracker is about and where it sends. */
export interface TrackerOptions {
  /** `${analyticsUrl}/events`. */
  readonly endpoint: string;
  readonly channelId: string;
  readonly streamId: string;
  /** The browser's lasting anonymous id (see anonymousId()). */
  readonly anonymousId: string;
  /** The signed-in viewer's Cognito ID token, or undefined for a guest; asked before each batch. */
  readonly idToken?: () => Promise<string | undefined>;
}

/** One watch-page view of one live stream. */
export interface Tracker {
  /** The current session's id (a page restored from the back/forward cache starts a new one). */
  readonly sessionId: string;
  /** The video's first frame: sends view_start once per session, with the time to first frame when known. */
  viewStart(ttffMs?: number): void;
  /** Whether the video is playing (not paused, not ended, not failed); heartbeats only run while it is and the tab is visible. */
  playing(on: boolean): void;
  /** Watches a product card for its impression; returns the function that stops watching it. */
  impression(el: Element, productId: string): () => void;
  /** The viewer opened a product, or used its bid or buy control. */
  productClick(productId: string, kind: ClickKind): void;
  share(method: ShareMethod): void;
  like(): void;
  /** The view ends (the stream ended, or the page's island goes away): view_end, everything sent, timers stopped. */
  end(): void;
}

/** localStorage key of the anonymous id. */
export const ANONYMOUS_ID_KEY = 'bidstream.anonymousId';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The browser's anonymous id: kept in localStorage so a guest who comes back is the same viewer;
 * where storage is blocked, one for this page only.
 */
export function anonymousId(storage: Pick<Storage, 'getItem' | 'setItem'> | undefined, newId: () => string): string {
  try {
    const kept = storage?.getItem(ANONYMOUS_ID_KEY);
    if (kept && UUID.test(kept)) return kept;
    const id = newId();
    storage?.setItem(ANONYMOUS_ID_KEY, id);
    return id;
  } catch {
    return newId();
  }
}

/** Seconds since the epoch at which a JWT expires, or null when it cannot be read. */
export function tokenExpiry(token: string): number | null {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(
      part
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(part.length / 4) * 4, '='),
    );
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : null;
  } catch {
    return null;
  }
}

const encoder = new TextEncoder();
/** A request body: the events, the client's clock at sending (the server corrects each event's time by the difference) and the token. */
const bodyOf = (events: AnalyticsEvent[], idToken: string | undefined, sentAt: string): string =>
  JSON.stringify(idToken ? { idToken, sentAt, events } : { sentAt, events });

/**
 * Splits queued events into request bodies within the endpoint's limits (MAX_BATCH_EVENTS events,
 * MAX_BATCH_BYTES bytes with the token). An event too big for any body on its own is left out.
 */
export function batches(
  events: AnalyticsEvent[],
  idToken: string | undefined,
  sentAt: string,
  maxEvents = MAX_BATCH_EVENTS,
  maxBytes = MAX_BATCH_BYTES,
): { events: AnalyticsEvent[]; body: string }[] {
  const out: { events: AnalyticsEvent[]; body: string }[] = [];
  const base = encoder.encode(bodyOf([], idToken, sentAt)).length;
  let cur: AnalyticsEvent[] = [];
  let size = base;
  for (const e of events) {
    // Each event adds its JSON and a comma.
    const add = encoder.encode(JSON.stringify(e)).length + 1;
    if (base + add > maxBytes) continue;
    if (cur.length >= maxEvents || size + add > maxBytes) {
      out.push({ events: cur, body: bodyOf(cur, idToken, sentAt) });
      cur = [];
      size = base;
    }
    cur.push(e);
    size += add;
  }
  if (cur.length) out.push({ events: cur, body: bodyOf(cur, idToken, sentAt) });
  return out;
}

/** The text/plain content type the contract names: no CORS preflight for fetch, and what sendBeacon sends for a string. */
const TEXT_PLAIN = 'text/plain;charset=UTF-8';

/** Starts tracking one session of one stream. */
export function createTracker(opts: TrackerOptions, env: TrackerEnv): Tracker {
  let sessionId = env.newId();
  let queue: AnalyticsEvent[] = [];
  let started = false;
  let isPlaying = false;
  let ended = false;
  let visible = env.page.visibilityState === 'visible';
  let token: string | undefined;
  let sending = false;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  /** Whether this session has watched already (view_start marks the first start; later starts get a heartbeat). */
  let watchedBefore = false;
  const counted = new Set<string>();
  const targets = new Map<Element, string>();
  const inView = new Set<Element>();
  const pending = new Map<Element, ReturnType<typeof setTimeout>>();
  let observer: ObserverLike | undefined;

  const push = (type: AnalyticsEvent['type'], extra: Partial<AnalyticsEvent> = {}) => {
    if (ended) return;
    queue.push({
      eventId: env.newId(),
      type,
      sessionId,
      anonymousId: opts.anonymousId,
      channelId: opts.channelId,
      streamId: opts.streamId,
      at: new Date(env.now()).toISOString(),
      ...extra,
    });
    if (queue.length > MAX_QUEUED_EVENTS) queue = queue.slice(-MAX_QUEUED_EVENTS);
  };

  /** The token for a body: the last one read, unless it has expired (a stale token would cost the whole batch). */
  const usableToken = () => {
    if (!token) return undefined;
    const exp = tokenExpiry(token);
    return exp !== null && exp * 1000 > env.now() + 5_000 ? token : undefined;
  };

  const refreshToken = async () => {
    if (!opts.idToken) return;
    try {
      token = await opts.idToken();
    } catch {
      token = undefined;
    }
  };

  /** Sends the queue with fetch; events the endpoint could not take now (network, 429, 5xx) wait for the next try. */
  const flush = async () => {
    if (sending || queue.length === 0) return;
    sending = true;
    try {
      await refreshToken();
      const taken = queue;
      queue = [];
      const keep: AnalyticsEvent[] = [];
      for (const b of batches(taken, usableToken(), new Date(env.now()).toISOString())) {
        let retry = true;
        try {
          const res = await env.fetch(opts.endpoint, {
            method: 'POST',
            headers: { 'content-type': TEXT_PLAIN },
            body: b.body,
            keepalive: true,
          });
          // 4xx other than 429: the endpoint refused these events for good (bad body, stream over); sending them again cannot help.
          retry = res.status === 429 || res.status >= 500;
        } catch {
          retry = true;
        }
        if (retry) keep.push(...b.events);
      }
      if (keep.length) queue = [...keep, ...queue].slice(-MAX_QUEUED_EVENTS);
    } finally {
      sending = false;
    }
  };

  /** Hands the queue to the browser to send even as the page goes away (sendBeacon, else a keepalive fetch). */
  const beacon = () => {
    if (queue.length === 0) return;
    const taken = queue;
    queue = [];
    for (const b of batches(taken, usableToken(), new Date(env.now()).toISOString())) {
      let handed = false;
      try {
        handed = env.sendBeacon?.(opts.endpoint, b.body) ?? false;
      } catch {
        handed = false;
      }
      if (!handed)
        env
          .fetch(opts.endpoint, {
            method: 'POST',
            headers: { 'content-type': TEXT_PLAIN },
            body: b.body,
            keepalive: true,
          })
          .catch(() => undefined);
    }
  };

  // Watch time is the time between presence events at most 45 s apart (docs/analytics.md), so the
  // moments watching stops (paused, tab hidden) and starts again get a heartbeat of their own: without
  // them the seconds since the last beat, and the first 30 s after coming back, would not count.
  const updateHeartbeat = () => {
    const beat = started && isPlaying && visible && !ended;
    if (beat && heartbeat === undefined) {
      if (watchedBefore) push('heartbeat');
      watchedBefore = true;
      heartbeat = setInterval(() => push('heartbeat'), HEARTBEAT_MS);
    }
    if (!beat && heartbeat !== undefined) {
      clearInterval(heartbeat);
      heartbeat = undefined;
      push('heartbeat');
    }
  };

  const disarm = (el: Element) => {
    const t = pending.get(el);
    if (t !== undefined) clearTimeout(t);
    pending.delete(el);
  };

  /** Starts the one-second wait of a card on screen; it counts if the card is still there, in a visible tab, when the wait ends. */
  const arm = (el: Element) => {
    const id = targets.get(el);
    if (!id || counted.has(id) || !visible || ended || pending.has(el)) return;
    pending.set(
      el,
      setTimeout(() => {
        pending.delete(el);
        if (ended || !visible || !inView.has(el) || counted.has(id) || targets.get(el) !== id) return;
        counted.add(id);
        push('product_impression', { productId: id });
      }, IMPRESSION_MS),
    );
  };

  const onEntries = (entries: IntersectionEntryLike[]) => {
    for (const e of entries) {
      if (!targets.has(e.target)) continue;
      if (e.isIntersecting && e.intersectionRatio >= IMPRESSION_RATIO) {
        inView.add(e.target);
        arm(e.target);
      } else {
        inView.delete(e.target);
        disarm(e.target);
      }
    }
  };

  const onVisibility = () => {
    visible = env.page.visibilityState === 'visible';
    updateHeartbeat();
    if (!visible) {
      // The tab may never come back (mobile browsers kill hidden tabs): what is queued leaves now,
      // the heartbeat of the moment it was hidden included.
      beacon();
      pending.forEach((_t, el) => disarm(el));
    } else {
      inView.forEach(arm);
    }
  };

  // The page going away ends the view; a page restored from the back/forward cache is a new view:
  // a new session, its products unseen.
  let suspended = false;
  const onPageHide = () => {
    if (ended) return;
    if (started) push('view_end');
    beacon();
    suspended = true;
    ended = true;
    updateHeartbeat();
  };
  const onPageShow = (e: { persisted?: boolean }) => {
    if (!e.persisted || !suspended) return;
    suspended = false;
    ended = false;
    const wasStarted = started;
    sessionId = env.newId();
    counted.clear();
    started = false;
    watchedBefore = false;
    visible = env.page.visibilityState === 'visible';
    if (wasStarted) {
      started = true;
      push('view_start');
    }
    inView.forEach(arm);
    updateHeartbeat();
  };

  const flushTimer = setInterval(() => void flush().catch(() => undefined), FLUSH_MS);
  env.page.addEventListener('visibilitychange', onVisibility);
  env.lifecycle.addEventListener('pagehide', onPageHide);
  env.lifecycle.addEventListener('pageshow', onPageShow);
  void refreshToken();

  return {
    get sessionId() {
      return sessionId;
    },
    viewStart(ttffMs) {
      if (started || ended) return;
      started = true;
      push(
        'view_start',
        ttffMs !== undefined && Number.isFinite(ttffMs) && ttffMs >= 0 && ttffMs <= MAX_TTFF_MS
          ? { ttffMs: Math.round(ttffMs) }
          : {},
      );
      updateHeartbeat();
    },
    playing(on) {
      isPlaying = on;
      updateHeartbeat();
    },
    impression(el, productId) {
      if (ended && !suspended) return () => undefined;
      if (targets.get(el) === productId) return () => forget(el);
      if (targets.has(el)) forget(el);
      try {
        observer ??= env.observer?.(onEntries, [0, IMPRESSION_RATIO, 1]);
      } catch {
        observer = undefined;
      }
      if (!observer) return () => undefined;
      targets.set(el, productId);
      observer.observe(el);
      return () => forget(el);
    },
    productClick(productId, kind) {
      push('product_click', { productId, clickKind: kind });
    },
    share(method) {
      push('share', { shareMethod: method });
    },
    like() {
      push('like');
    },
    end() {
      if (!ended) {
        if (started) push('view_end');
        beacon();
      }
      ended = true;
      suspended = false;
      updateHeartbeat();
      clearInterval(flushTimer);
      pending.forEach((_t, el) => disarm(el));
      observer?.disconnect();
      targets.clear();
      inView.clear();
      env.page.removeEventListener('visibilitychange', onVisibility);
      env.lifecycle.removeEventListener('pagehide', onPageHide);
      env.lifecycle.removeEventListener('pageshow', onPageShow);
    },
  };

  function forget(el: Element) {
    disarm(el);
    inView.delete(el);
    targets.delete(el);
    observer?.unobserve(el);
  }
}
