/**
 * `POST {analyticsUrl}/events`: viewer events from the web app (docs/analytics.md). Behind an HTTP
 * API route in AWS (payload format 2.0, throttled by its stage) and the local function URL stand-in
 * locally, the same code either way:
 * 1. the body, at most 64 KB, parsed and its envelope validated with the shared zod schema (a bad body is
 *    400 with a sentence);
 * 2. a per-viewer and per-address request limit (429);
 * 3. the signed-in viewer's Cognito ID token verified (aws-jwt-verify) and its `sub` stamped as userId;
 * 4. each event on its own: the event schema, its time (corrected for the client's clock skew), and its
 *    stream, which must be a live stream of the named channel;
 * 5. the accepted records put on Amazon Data Firehose (PutRecordBatch), which lands them in S3 by date and stream;
 * 6. the stream's live per-minute counters updated in DynamoDB.
 * One bad event costs only itself: the others are stored and counted, and the answer lists the refused
 * ones with a sentence each (204 when every event was accepted, 200 with `rejected` when some were,
 * 400 with `rejected` when none was). A refused event is never stored or counted.
 */
import { FirehoseClient, PutRecordBatchCommand, type _Record } from '@aws-sdk/client-firehose';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { ENV, requireEnv } from '../shared/env';
import { observability } from '../shared/logger';
import {
  allRefusedMessage,
  AnalyticsRefusal,
  analyticsEnvelopeSchema,
  analyticsEventSchema,
  batchTimeRefusal,
  clientSkewMs,
  eventRefusalFromIssues,
  eventTimeProblem,
  MAX_BODY_BYTES,
  refusalFromIssues,
  toStoredEvent,
  type AnalyticsEvent,
  type RejectedEvent,
  type StoredEvent,
} from '../shared/domain/analytics-events';
import { updateLiveCounters } from './live-counters';
import { PER_ADDRESS, PER_VIEWER, RateLimiter } from './rate-limit';
import { streamRefusal } from './streams';

const { logger } = observability('analytics-ingest');
const firehose = new FirehoseClient({});

type UrlResponse = Exclude<LambdaFunctionURLResult, string>;

// The events are not secret and carry no cookies: any page may send them (sendBeacon, fetch keepalive).
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'POST, OPTIONS',
  'access-control-allow-headers': 'content-type',
  'access-control-max-age': '86400',
};
const answer = (statusCode: number, message?: string, extra: Record<string, unknown> = {}): UrlResponse => ({
  statusCode,
  headers: { ...CORS, 'cache-control': 'no-store', ...(message ? { 'content-type': 'application/json' } : {}) },
  ...(message ? { body: JSON.stringify({ message, ...extra }) } : {}),
});

const perViewer = new RateLimiter(PER_VIEWER);
const perAddress = new RateLimiter(PER_ADDRESS);

/**
 * ID tokens of the web app's client. The JWKS is fetched with the runtime's fetch, which reaches the
 * user pool's `<issuer>/.well-known/jwks.json` over HTTPS in AWS and the local Cognito over HTTP.
 * A token up to an hour past its expiry still names its user: a beacon sent from a tab left open may
 * carry one, and it only attributes events, it unlocks nothing.
 */
let verifier: ReturnType<typeof createVerifier> | undefined;
function createVerifier() {
  const issuer = requireEnv(ENV.ID_TOKEN_ISSUER);
  return JwtVerifier.create(
    {
      issuer,
      audience: requireEnv(ENV.USER_POOL_CLIENT_ID),
      jwksUri: `${issuer}/.well-known/jwks.json`,
      customJwtCheck: ({ payload }) => {
        if (payload.token_use !== 'id') throw new Error('not an ID token');
      },
      graceSeconds: 3600,
    },
    {
      jwksCache: new SimpleJwksCache({
        fetcher: {
          fetch: async (uri: string) => {
            const res = await fetch(uri, { signal: AbortSignal.timeout(3000) });
            if (!res.ok) throw new Error(`JWKS answered ${res.status}`);
            return res.arrayBuffer();
          },
        },
      }),
    },
  );
}

async function verifiedUserId(idToken: string | undefined): Promise<string | null> {
  if (!idToken) return null;
  verifier ??= createVerifier();
  try {
    const payload = await verifier.verify(idToken);
    return typeof payload.sub === 'string' ? payload.sub : null;
  } catch (error) {
    logger.info('ID token refused', { reason: (error as Error).message });
    throw new AnalyticsRefusal(
      400,
      'The sign-in token does not verify; sign in again, or send the events without it to count them anonymously.',
    );
  }
}

/** What one request comes to: the records of its accepted events, and the refused ones with their reasons. */
export interface IngestOutcome {
  records: StoredEvent[];
  rejected: RejectedEvent[];
  /** Events in the request. */
  total: number;
}

/**
 * Validates and stamps one request's events. A bad body (size, JSON, envelope, sign-in token, rate)
 * throws AnalyticsRefusal; a bad event is listed in `rejected` and the others go on.
 */
export async function ingest(event: LambdaFunctionURLEvent, nowMs = Date.now()): Promise<IngestOutcome> {
  const raw = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64') : Buffer.from(event.body ?? '', 'utf8');
  if (raw.length > MAX_BODY_BYTES)
    throw new AnalyticsRefusal(
      400,
      `The request body is ${raw.length} bytes; at most ${MAX_BODY_BYTES} are accepted. Send fewer events per request.`,
    );
  if (raw.length === 0)
    throw new AnalyticsRefusal(400, 'The request body is empty; send a JSON object with an "events" array.');
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new AnalyticsRefusal(400, 'The request body is not JSON; send a JSON object with an "events" array.');
  }
  const parsed = analyticsEnvelopeSchema.safeParse(json);
  if (!parsed.success) throw new AnalyticsRefusal(400, refusalFromIssues(parsed.error.issues));
  const batch = parsed.data;

  const rejected: RejectedEvent[] = [];
  const valid: { index: number; event: AnalyticsEvent }[] = [];
  for (const [index, candidate] of batch.events.entries()) {
    const one = analyticsEventSchema.safeParse(candidate);
    if (one.success) valid.push({ index, event: one.data });
    else rejected.push({ index, ...eventIdOf(candidate), reason: eventRefusalFromIssues(one.error.issues) });
  }

  const address = event.requestContext.http.sourceIp;
  const viewers = new Set(valid.map((v) => v.event.anonymousId));
  if (!perAddress.take(address, nowMs) || [...viewers].some((v) => !perViewer.take(v, nowMs))) {
    throw new AnalyticsRefusal(429, 'Too many analytics requests from this viewer; wait a minute before sending more.');
  }

  const userId = await verifiedUserId(batch.idToken);
  const clockRefusal = batchTimeRefusal(batch, nowMs);
  if (clockRefusal) throw new AnalyticsRefusal(400, clockRefusal);
  const skewMs = clientSkewMs({ sentAt: batch.sentAt, events: valid.map((v) => v.event) }, nowMs);
  const streamRefusals = new Map<string, string | undefined>();
  const records: StoredEvent[] = [];
  for (const { index, event: e } of valid) {
    const timeProblem = eventTimeProblem(e, batch, nowMs, skewMs);
    if (timeProblem) {
      rejected.push({ index, eventId: e.eventId, reason: `This event ${timeProblem}` });
      continue;
    }
    const streamKey = `${e.streamId}\n${e.channelId}`;
    if (!streamRefusals.has(streamKey))
      streamRefusals.set(streamKey, await streamRefusal(e.streamId, e.channelId, nowMs));
    const refusal = streamRefusals.get(streamKey);
    if (refusal) {
      rejected.push({ index, eventId: e.eventId, reason: refusal });
      continue;
    }
    records.push(toStoredEvent(e, { userId, receivedAtMs: nowMs, skewMs }));
  }
  rejected.sort((x, y) => x.index - y.index);
  return { records, rejected, total: batch.events.length };
}

/** The id a refused event carried, when it had a usable one (so the client can tell which it was). */
function eventIdOf(candidate: unknown): { eventId?: string } {
  const id = (candidate as { eventId?: unknown } | null)?.eventId;
  return typeof id === 'string' && id.length <= 64 ? { eventId: id } : {};
}

/** Puts the records on the delivery stream, retrying the ones Firehose reports as failed once. */
async function deliver(records: readonly StoredEvent[]): Promise<void> {
  let pending: _Record[] = records.map((r) => ({ Data: Buffer.from(`${JSON.stringify(r)}\n`) }));
  for (let attempt = 0; attempt < 2 && pending.length; attempt++) {
    const out = await firehose.send(
      new PutRecordBatchCommand({ DeliveryStreamName: requireEnv(ENV.ANALYTICS_DELIVERY_STREAM), Records: pending }),
    );
    if (!out.FailedPutCount) return;
    pending = pending.filter((_, i) => out.RequestResponses?.[i]?.ErrorCode);
  }
  if (pending.length) throw new Error(`Firehose refused ${pending.length} records twice`);
}

/** HTTP API route (payload format 2.0) / function URL target. */
export async function handler(event: LambdaFunctionURLEvent): Promise<UrlResponse> {
  const method = event.requestContext.http.method;
  if (method === 'OPTIONS') return answer(204);
  if (method !== 'POST')
    return {
      ...answer(405, 'Send events with POST.'),
      headers: { ...answer(405).headers, allow: 'POST, OPTIONS', 'content-type': 'application/json' },
    };
  const nowMs = Date.now();
  let outcome: IngestOutcome;
  try {
    outcome = await ingest(event, nowMs);
  } catch (error) {
    if (error instanceof AnalyticsRefusal) return answer(error.status, error.message);
    logger.error('analytics batch failed', { error: error as Error });
    return answer(503, 'The events could not be checked right now; send them again in a moment.');
  }
  const { records, rejected, total } = outcome;
  if (records.length === 0) return answer(400, allRefusedMessage(rejected, total), { accepted: 0, rejected });
  try {
    await deliver(records);
  } catch (error) {
    logger.error('Firehose delivery failed', { error: error as Error });
    return answer(503, 'The events could not be stored right now; send them again in a moment.');
  }
  try {
    await updateLiveCounters(records, nowMs);
  } catch (error) {
    // The events are stored and the final report reads them; only the live figures lag.
    logger.warn('live counters not updated', { error: error as Error, events: records.length });
  }
  if (rejected.length === 0) return answer(204);
  // 200, not 207: the request succeeded for the accepted events, and a client that only checks the
  // status must not send them again; the refused ones are listed, each with its reason.
  return answer(
    200,
    `${records.length} of ${total} events were accepted; ${rejected.length} ${rejected.length === 1 ? 'was' : 'were'} refused (see "rejected").`,
    { accepted: records.length, rejected },
  );
}
