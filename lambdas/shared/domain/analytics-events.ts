/**
 * Viewer analytics events (issue 17, docs/analytics.md): the one schema the web app's tracker
 * (type only), the ingest endpoint (zod at the edge) and the stored record share, and the rules that
 * turn a client's event into the record Firehose lands in S3: who the viewer is, the server's clock
 * instead of the client's, the partition it lands in. Pure: no AWS imports.
 */
import { z } from 'zod';

/** The largest request body the endpoint reads (bytes of UTF-8). */
export const MAX_BODY_BYTES = 64 * 1024;
/** Events in one request. */
export const MAX_EVENTS_PER_REQUEST = 100;
/** How far a client's clock may run ahead of the server's before its events are refused as from the future. */
export const MAX_FUTURE_SKEW_MS = 5 * 60_000;
/** Events older than this (after skew correction) are refused: no tracker holds a batch that long. */
export const MAX_EVENT_AGE_MS = 6 * 3600_000;
/** A stream's events are accepted this long after it ended (the last beacons of closing tabs). */
export const LATE_EVENT_GRACE_MS = 30_000;
/** The tracker's heartbeat period while the video plays and the tab is visible. */
export const HEARTBEAT_SECONDS = 30;
/**
 * The longest gap between two events of a session that still counts as watching: one heartbeat
 * period plus slack for timers throttled by the browser. A longer gap is a background tab, a sleeping
 * laptop or a lost connection, and is not watch time.
 */
export const MAX_WATCH_GAP_SECONDS = 45;

export const ANALYTICS_EVENT_TYPES = [
  'view_start',
  'heartbeat',
  'view_end',
  'product_impression',
  'product_click',
  'share',
  'like',
] as const;
export type AnalyticsEventType = (typeof ANALYTICS_EVENT_TYPES)[number];
export const CLICK_KINDS = ['open', 'bid', 'buy'] as const;
export const SHARE_METHODS = ['web_share', 'copy_link'] as const;

const id = (what: string) =>
  z
    .string({ error: `${what} is missing.` })
    .min(1, `${what} is empty.`)
    .max(128, `${what} is longer than 128 characters.`)
    .regex(/^[A-Za-z0-9_-]+$/, `${what} may hold only letters, digits, "_" and "-".`);
const uuid = (what: string) => z.string({ error: `${what} is missing.` }).uuid(`${what} is not a UUID.`);
const isoTime = (what: string) =>
  z.string({ error: `${what} is missing.` }).datetime({ offset: true, message: `${what} is not an ISO 8601 time.` });

/** One event as the web app sends it. */
export const analyticsEventSchema = z
  .object({
    eventId: uuid('eventId'),
    type: z.enum(ANALYTICS_EVENT_TYPES, {
      error: (issue) =>
        `Event type ${JSON.stringify(issue.input)} is unknown; expected one of ${ANALYTICS_EVENT_TYPES.join(', ')}.`,
    }),
    sessionId: uuid('sessionId'),
    anonymousId: uuid('anonymousId'),
    channelId: id('channelId'),
    streamId: id('streamId'),
    productId: id('productId').optional(),
    clickKind: z.enum(CLICK_KINDS, { error: `clickKind must be one of ${CLICK_KINDS.join(', ')}.` }).optional(),
    shareMethod: z.enum(SHARE_METHODS, { error: `shareMethod must be one of ${SHARE_METHODS.join(', ')}.` }).optional(),
    ttffMs: z.number().int().min(0).max(600_000, 'ttffMs is above 10 minutes.').optional(),
    at: isoTime('at'),
  })
  .strict()
  .superRefine((e, ctx) => {
    const needsProduct = e.type === 'product_impression' || e.type === 'product_click';
    if (needsProduct && !e.productId)
      ctx.addIssue({ code: 'custom', message: `A ${e.type} event needs a productId.`, path: ['productId'] });
    if (!needsProduct && e.productId)
      ctx.addIssue({ code: 'custom', message: `A ${e.type} event carries no productId.`, path: ['productId'] });
    if (e.type === 'product_click' && !e.clickKind)
      ctx.addIssue({ code: 'custom', message: 'A product_click event needs a clickKind.', path: ['clickKind'] });
  });

/** One event as the web app sends it. */
export type AnalyticsEvent = z.infer<typeof analyticsEventSchema>;

const batchFields = {
  /** The signed-in viewer's Cognito ID token: the server verifies it and stamps userId. */
  idToken: z.string().min(1).max(8192).optional(),
  /** The client's clock when it sent the batch: with the server's receive time it gives the client's skew. */
  sentAt: isoTime('sentAt').optional(),
};
const eventsArray = <T extends z.ZodType>(item: T) =>
  z
    .array(item)
    .min(1, 'The batch holds no events.')
    .max(
      MAX_EVENTS_PER_REQUEST,
      `A batch holds at most ${MAX_EVENTS_PER_REQUEST} events; send the rest in another request.`,
    );

/** The request body of `POST {analyticsUrl}/events`, every event valid (what a well-behaved tracker sends). */
export const analyticsBatchSchema = z.object({ ...batchFields, events: eventsArray(analyticsEventSchema) }).strict();

/**
 * The request body as the endpoint reads it: the envelope is checked whole, the events one by one
 * (analyticsEventSchema), so one bad event costs only itself and the rest of the batch still counts.
 */
export const analyticsEnvelopeSchema = z.object({ ...batchFields, events: eventsArray(z.unknown()) }).strict();

export type AnalyticsBatch = z.infer<typeof analyticsBatchSchema>;

/**
 * An event as stored (Firehose record, Glue table row, DuckDB row). snake_case because the Glue
 * table's columns are lower case and the JSON SerDe matches keys to them by name. Times are epoch
 * milliseconds: integers compare and subtract the same way in Athena and DuckDB.
 */
export interface StoredEvent {
  event_id: string;
  type: AnalyticsEventType;
  session_id: string;
  /** user_id when signed in, otherwise anonymous_id: the person unique viewers count. */
  viewer_id: string;
  user_id: string | null;
  anonymous_id: string;
  channel_id: string;
  stream_id: string;
  product_id: string | null;
  click_kind: string | null;
  share_method: string | null;
  ttff_ms: number | null;
  /** The client's own time, as sent. */
  client_at_ms: number;
  /** The client's time corrected by its skew against the server: what the metrics use. */
  at_ms: number;
  received_at_ms: number;
}

/** The Glue table's data columns, in order (the partition columns `dt` and `stream` come from the S3 path). */
export const STORED_EVENT_COLUMNS: readonly { name: keyof StoredEvent; type: 'string' | 'bigint' | 'int' }[] = [
  { name: 'event_id', type: 'string' },
  { name: 'type', type: 'string' },
  { name: 'session_id', type: 'string' },
  { name: 'viewer_id', type: 'string' },
  { name: 'user_id', type: 'string' },
  { name: 'anonymous_id', type: 'string' },
  { name: 'channel_id', type: 'string' },
  { name: 'stream_id', type: 'string' },
  { name: 'product_id', type: 'string' },
  { name: 'click_kind', type: 'string' },
  { name: 'share_method', type: 'string' },
  { name: 'ttff_ms', type: 'int' },
  { name: 'client_at_ms', type: 'bigint' },
  { name: 'at_ms', type: 'bigint' },
  { name: 'received_at_ms', type: 'bigint' },
];

/** The table's partition columns: the UTC date Firehose received the record and the stream id. */
export const PARTITION_COLUMNS = ['dt', 'stream'] as const;
/** Where events land in the analytics bucket (Firehose dynamic partitioning; the local Firehose writes the same). */
export const EVENTS_PREFIX = 'events/dt=!{timestamp:yyyy-MM-dd}/stream=!{partitionKeyFromQuery:stream}/';
/** Firehose's JQ metadata extraction: the `stream` partition key from each record. */
export const PARTITION_QUERY = '{stream: .stream_id}';
/** Where Firehose puts records it could not deliver or partition. */
export const EVENTS_ERROR_PREFIX = 'errors/!{firehose:error-output-type}/dt=!{timestamp:yyyy-MM-dd}/';
/** The Glue table's name, which the named queries select from. */
export const EVENTS_TABLE = 'events';

/** A refused request: `status` and a sentence the client may show or log. */
export class AnalyticsRefusal extends Error {
  constructor(
    readonly status: 400 | 413 | 429,
    message: string,
  ) {
    super(message);
    this.name = 'AnalyticsRefusal';
  }
}

/** One zod issue as a sentence, without saying which event it is about. */
function issueSentence(issue: z.core.$ZodIssue): string {
  if (issue.code === 'unrecognized_keys')
    return `Unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}.`;
  return issue.message.endsWith('.') ? issue.message : `${issue.message}.`;
}

/** The first zod issue as a sentence naming the event it is about. */
export function refusalFromIssues(issues: readonly z.core.$ZodIssue[]): string {
  const issue = issues[0];
  if (!issue) return 'The request body is not a valid event batch.';
  const [first, index] = issue.path;
  const where = first === 'events' && typeof index === 'number' ? `Event ${index + 1}: ` : '';
  if (issue.code === 'invalid_type' && issue.path.length === 0)
    return 'The request body must be a JSON object with an "events" array.';
  return `${where}${issueSentence(issue)}`;
}

/** Why one event (parsed on its own with analyticsEventSchema) is refused, as a sentence. */
export function eventRefusalFromIssues(issues: readonly z.core.$ZodIssue[]): string {
  const issue = issues[0];
  if (!issue) return 'The event is not valid.';
  if (issue.code === 'invalid_type' && issue.path.length === 0) return 'The event must be a JSON object.';
  return issueSentence(issue);
}

/** An event the endpoint refused: its position in the request's `events` (from 0), its id when it had one, and why. */
export interface RejectedEvent {
  index: number;
  eventId?: string;
  reason: string;
}

/**
 * The client's clock minus the server's, in ms, for one batch: from `sentAt` when the client sent
 * it (exact up to the request's transit time), otherwise from the newest event, which the tracker
 * queued at most one flush period before sending, and only when that event is ahead of the server
 * (a client behind by less than a flush period is indistinguishable from a queued event).
 */
export function clientSkewMs(
  batch: { sentAt?: string | undefined; events: readonly Pick<AnalyticsEvent, 'at'>[] },
  receivedAtMs: number,
): number {
  if (batch.sentAt) return Date.parse(batch.sentAt) - receivedAtMs;
  // An event too far ahead to be a skewed clock is refused on its own; it must not move the others.
  const ats = batch.events.map((e) => Date.parse(e.at)).filter((at) => at - receivedAtMs <= MAX_FUTURE_SKEW_MS);
  if (ats.length === 0) return 0;
  const newest = Math.max(...ats);
  return newest > receivedAtMs ? newest - receivedAtMs : 0;
}

/** Why a whole batch's clock cannot be trusted (sentAt far ahead of the server), or undefined. */
export function batchTimeRefusal(batch: { sentAt?: string | undefined }, receivedAtMs: number): string | undefined {
  if (batch.sentAt && Date.parse(batch.sentAt) - receivedAtMs > MAX_FUTURE_SKEW_MS)
    return "sentAt is more than 5 minutes ahead of the server's clock; check the device's clock.";
  return undefined;
}

/**
 * What is wrong with one event's time, as the rest of a sentence whose subject is the event ("is
 * timed …"), or undefined when it is acceptable. `skewMs` is the batch's clientSkewMs.
 */
export function eventTimeProblem(
  e: Pick<AnalyticsEvent, 'at'>,
  batch: { sentAt?: string | undefined },
  receivedAtMs: number,
  skewMs: number,
): string | undefined {
  const at = Date.parse(e.at);
  if (batch.sentAt) {
    if (at > Date.parse(batch.sentAt) + 1000)
      return 'is timed after the batch was sent; event times cannot be in the future.';
  } else if (at - receivedAtMs > MAX_FUTURE_SKEW_MS) {
    return 'is timed more than 5 minutes in the future; event times cannot be in the future.';
  }
  if (receivedAtMs - (at - skewMs) > MAX_EVENT_AGE_MS) return 'is more than 6 hours old; old events are not accepted.';
  return undefined;
}

/** Refuses a batch whose times cannot be right (the first such event); throws AnalyticsRefusal. */
export function checkBatchTimes(
  batch: { sentAt?: string | undefined; events: readonly Pick<AnalyticsEvent, 'at'>[] },
  receivedAtMs: number,
): void {
  const whole = batchTimeRefusal(batch, receivedAtMs);
  if (whole) throw new AnalyticsRefusal(400, whole);
  const skew = clientSkewMs(batch, receivedAtMs);
  for (const [i, e] of batch.events.entries()) {
    const problem = eventTimeProblem(e, batch, receivedAtMs, skew);
    if (problem) throw new AnalyticsRefusal(400, `Event ${i + 1} ${problem}`);
  }
}

/**
 * The one-sentence message of a request whose events were all refused: the reason itself for a
 * single event, otherwise the first event's reason, named.
 */
export function allRefusedMessage(rejected: readonly RejectedEvent[], total: number): string {
  const first = rejected[0];
  if (!first) return 'No event was accepted.';
  if (total === 1) return first.reason;
  return `None of the ${total} events was accepted. Event ${first.index + 1}: ${first.reason}`;
}

/** The stored record of one accepted event. */
export function toStoredEvent(
  e: AnalyticsEvent,
  ctx: { userId: string | null; receivedAtMs: number; skewMs: number },
): StoredEvent {
  const clientAt = Date.parse(e.at);
  return {
    event_id: e.eventId,
    type: e.type,
    session_id: e.sessionId,
    viewer_id: ctx.userId ?? e.anonymousId,
    user_id: ctx.userId,
    anonymous_id: e.anonymousId,
    channel_id: e.channelId,
    stream_id: e.streamId,
    product_id: e.productId ?? null,
    click_kind: e.clickKind ?? null,
    share_method: e.shareMethod ?? null,
    ttff_ms: e.ttffMs ?? null,
    client_at_ms: clientAt,
    at_ms: clientAt - ctx.skewMs,
    received_at_ms: ctx.receivedAtMs,
  };
}

/** The UTC date (`YYYY-MM-DD`) of the `dt` partition a record received at `ms` lands in. */
export function partitionDate(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
