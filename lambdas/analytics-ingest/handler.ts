/**
 * `POST {analyticsUrl}/events`: viewer events from the web app (docs/analytics.md). Behind an HTTP
 * API route in AWS (payload format 2.0, throttled by its stage) and the local function URL stand-in
 * locally, the same code either way:
 * 1. the body, at most 64 KB, parsed and validated with the shared zod schema (refusals are 400 with a sentence);
 * 2. a per-viewer and per-address request limit (429);
 * 3. the signed-in viewer's Cognito ID token verified (aws-jwt-verify) and its `sub` stamped as userId;
 * 4. times checked and corrected for the client's clock skew; each stream id must be a live stream of the named channel;
 * 5. the records put on Amazon Data Firehose (PutRecordBatch), which lands them in S3 by date and stream;
 * 6. the stream's live per-minute counters updated in DynamoDB.
 * A batch is accepted whole or refused whole, so a refused event is never counted.
 */
import { FirehoseClient, PutRecordBatchCommand, type _Record } from '@aws-sdk/client-firehose';
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import { JwtVerifier } from 'aws-jwt-verify';
import { SimpleJwksCache } from 'aws-jwt-verify/jwk';
import { ENV, requireEnv } from '../shared/env';
import { observability } from '../shared/logger';
import {
  AnalyticsRefusal,
  analyticsBatchSchema,
  checkBatchTimes,
  clientSkewMs,
  MAX_BODY_BYTES,
  refusalFromIssues,
  toStoredEvent,
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
const answer = (statusCode: number, message?: string): UrlResponse => ({
  statusCode,
  headers: { ...CORS, 'cache-control': 'no-store', ...(message ? { 'content-type': 'application/json' } : {}) },
  ...(message ? { body: JSON.stringify({ message }) } : {}),
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

/** Validates, stamps and stores one request's events; the stored records on success. */
export async function ingest(event: LambdaFunctionURLEvent, nowMs = Date.now()): Promise<StoredEvent[]> {
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
  const parsed = analyticsBatchSchema.safeParse(json);
  if (!parsed.success) throw new AnalyticsRefusal(400, refusalFromIssues(parsed.error.issues));
  const batch = parsed.data;

  const address = event.requestContext.http.sourceIp;
  const viewers = new Set(batch.events.map((e) => e.anonymousId));
  if (!perAddress.take(address, nowMs) || [...viewers].some((v) => !perViewer.take(v, nowMs))) {
    throw new AnalyticsRefusal(429, 'Too many analytics requests from this viewer; wait a minute before sending more.');
  }

  const userId = await verifiedUserId(batch.idToken);
  checkBatchTimes(batch, nowMs);
  const streams = new Map(batch.events.map((e) => [`${e.streamId}\n${e.channelId}`, e]));
  for (const e of streams.values()) {
    const refusal = await streamRefusal(e.streamId, e.channelId, nowMs);
    if (refusal) throw new AnalyticsRefusal(400, refusal);
  }
  const skewMs = clientSkewMs(batch, nowMs);
  return batch.events.map((e) => toStoredEvent(e, { userId, receivedAtMs: nowMs, skewMs }));
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
  let records: StoredEvent[];
  try {
    records = await ingest(event, nowMs);
  } catch (error) {
    if (error instanceof AnalyticsRefusal) return answer(error.status, error.message);
    logger.error('analytics batch failed', { error: error as Error });
    return answer(503, 'The events could not be checked right now; send them again in a moment.');
  }
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
  return answer(204);
}
