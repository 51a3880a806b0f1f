/**
 * A seeded audience for a stream, and the ground truth of its report computed from the audience
 * itself (who watched when), not from the events: the integration test sends the events through the
 * endpoint and checks the report against this; the bench uses it for volume.
 *
 * Each viewer watches one or more segments. A segment starts with view_start (a new session) or a
 * heartbeat (the same session back from a background tab), sends a heartbeat every 30 s, and ends
 * with view_end (the viewer left) or a heartbeat (the tab went to the background: the tracker flushes
 * then). A session's segments are more than 45 s apart; a viewer's sessions may overlap (two tabs).
 * Times are whole seconds plus 0.5 s, so no event sits on a minute boundary.
 */
import { randomUUID } from 'node:crypto';
import type { AnalyticsEvent, AnalyticsEventType } from '../../lambdas/shared/domain/analytics-events';

/** Deterministic PRNG (mulberry32). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A deterministic UUID v4 from the PRNG (the schema checks the UUID form). */
function uuid(rand: () => number): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(rand() * 16).toString(16));
  hex[12] = '4';
  hex[16] = '89ab'[Math.floor(rand() * 4)] ?? '8';
  const h = hex.join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface SimSegment {
  start: number;
  end: number;
  left: boolean;
}
export interface SimSession {
  sessionId: string;
  segments: SimSegment[];
  impressions: string[];
  clicks: string[];
}
export interface SimViewer {
  anonymousId: string;
  userId?: string;
  sessions: SimSession[];
  likes: number[];
  shares: number[];
}

export interface Audience {
  viewers: SimViewer[];
  durationSeconds: number;
  products: string[];
}

export interface AudienceOptions {
  viewers: number;
  durationSeconds: number;
  seed: number;
  products?: number;
  /** Signed-in viewers: these user ids, each with two overlapping sessions. */
  signedIn?: readonly string[];
  /** Arrivals in the first this-many seconds (front-loaded so the peak is high). @default durationSeconds / 2 */
  arrivalSeconds?: number;
}

/** A seeded audience. */
export function simulateAudience(o: AudienceOptions): Audience {
  const rand = prng(o.seed);
  const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
  const products = Array.from({ length: o.products ?? 5 }, (_, i) => `prd-sim-${i + 1}`);
  const arrival = o.arrivalSeconds ?? Math.floor(o.durationSeconds / 2);
  const D = o.durationSeconds;
  const session = (start: number): SimSession => {
    const segments: SimSegment[] = [];
    let s = start;
    // One to three segments: the gaps between them are a background tab.
    const parts = rand() < 0.12 ? int(2, 3) : 1;
    for (let i = 0; i < parts && s < D - 5; i++) {
      const e = Math.min(D - 1, s + int(5, Math.max(6, Math.floor(D * 0.6))));
      segments.push({ start: s, end: e, left: i === parts - 1 });
      s = e + int(46, 240);
    }
    const last = segments[segments.length - 1];
    if (last) last.left = true;
    const impressions = products.filter(() => rand() < 0.4);
    return { sessionId: uuid(rand), segments, impressions, clicks: impressions.filter(() => rand() < 0.25) };
  };
  const viewers: SimViewer[] = [];
  for (let v = 0; v < o.viewers; v++) {
    const signedIn = o.signedIn?.[v];
    const first = session(int(0, arrival));
    const sessions = [first];
    if (signedIn) {
      // A second tab opened while the first plays.
      sessions.push(session(Math.min(D - 10, (first.segments[0]?.start ?? 0) + int(5, 40))));
    } else if (rand() < 0.15) {
      // Left and came back later with a new session.
      const end = first.segments[first.segments.length - 1]?.end ?? 0;
      if (end + 60 < D - 10) sessions.push(session(int(end + 60, D - 10)));
    }
    const watched = sessions.flatMap((x) => x.segments);
    const pick = () => {
      const seg = watched[int(0, watched.length - 1)];
      return seg ? int(seg.start, seg.end) : 0;
    };
    viewers.push({
      anonymousId: uuid(rand),
      userId: signedIn,
      sessions: sessions.filter((x) => x.segments.length),
      likes: Array.from({ length: rand() < 0.3 ? int(1, 3) : 0 }, pick),
      shares: rand() < 0.05 ? [pick()] : [],
    });
  }
  return { viewers, durationSeconds: D, products };
}

/** The events of one viewer's session (and its likes/shares when `extras`), in time order, at `t0Ms` + seconds + 0.5 s. */
export function sessionEvents(
  v: SimViewer,
  s: SimSession,
  t0Ms: number,
  streamId: string,
  channelId: string,
  extras: boolean,
): AnalyticsEvent[] {
  const at = (sec: number) => new Date(t0Ms + sec * 1000 + 500).toISOString();
  const base = { sessionId: s.sessionId, anonymousId: v.anonymousId, channelId, streamId };
  const out: { sec: number; e: AnalyticsEvent }[] = [];
  const push = (type: AnalyticsEventType, sec: number, extra: Partial<AnalyticsEvent> = {}) =>
    out.push({ sec, e: { eventId: randomUUID(), type, ...base, at: at(sec), ...extra } });
  s.segments.forEach((seg, i) => {
    push(i === 0 ? 'view_start' : 'heartbeat', seg.start, i === 0 ? { ttffMs: 800 } : {});
    for (let t = seg.start + 30; t < seg.end; t += 30) push('heartbeat', t);
    push(seg.left ? 'view_end' : 'heartbeat', seg.end);
  });
  const firstSeg = s.segments[0];
  if (firstSeg) {
    for (const p of s.impressions) push('product_impression', firstSeg.start, { productId: p });
    for (const p of s.clicks) push('product_click', firstSeg.start, { productId: p, clickKind: 'open' });
  }
  if (extras) {
    for (const l of v.likes) push('like', l);
    for (const sh of v.shares) push('share', sh, { shareMethod: 'copy_link' });
  }
  return out.sort((a, b) => a.sec - b.sec).map((x) => x.e);
}

export interface GroundTruth {
  views: number;
  uniqueViewers: number;
  watchSeconds: number;
  likes: number;
  shares: number;
  /** Viewers per minute of the stream (index = minute from the start). */
  perMinute: number[];
  products: Map<string, { impressions: number; clicks: number }>;
}

/** The report's viewer figures, from the audience model. */
export function groundTruth(a: Audience): GroundTruth {
  const minutes = Math.ceil(a.durationSeconds / 60);
  const perMinute = Array.from({ length: minutes }, () => 0);
  const products = new Map(a.products.map((p) => [p, { impressions: 0, clicks: 0 }]));
  let watch = 0;
  let views = 0;
  let likes = 0;
  let shares = 0;
  const byPerson = new Map<string, SimViewer[]>();
  for (const v of a.viewers)
    byPerson.set(v.userId ?? v.anonymousId, [...(byPerson.get(v.userId ?? v.anonymousId) ?? []), v]);
  for (const vs of byPerson.values()) {
    const segments = vs.flatMap((v) => v.sessions.flatMap((s) => s.segments)).sort((x, y) => x.start - y.start);
    // Union of the person's watching.
    let cur: [number, number] | undefined;
    for (const seg of segments) {
      if (cur && seg.start <= cur[1]) cur[1] = Math.max(cur[1], seg.end);
      else {
        if (cur) watch += cur[1] - cur[0];
        cur = [seg.start, seg.end];
      }
    }
    if (cur) watch += cur[1] - cur[0];
    const present = new Set<number>();
    for (const seg of segments)
      for (let m = Math.floor(seg.start / 60); m <= Math.floor(seg.end / 60); m++) present.add(m);
    for (const m of present) if (m < minutes) perMinute[m] = (perMinute[m] ?? 0) + 1;
    for (const v of vs) {
      views += v.sessions.length;
      likes += v.likes.length;
      shares += v.shares.length;
      for (const s of v.sessions) {
        for (const p of s.impressions) products.get(p)!.impressions += 1;
        for (const p of s.clicks) products.get(p)!.clicks += 1;
      }
    }
  }
  return { views, uniqueViewers: byPerson.size, watchSeconds: watch, likes, shares, perMinute, products };
}
