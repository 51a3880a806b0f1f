/**
 * The events endpoint's answers: a bad event costs only itself (the others are stored and counted,
 * the refused ones listed with a sentence each), a bad body is refused whole.
 */
import { randomUUID } from 'node:crypto';
import { FirehoseClient, PutRecordBatchCommand } from '@aws-sdk/client-firehose';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import type { AnalyticsEvent, StoredEvent } from '../../../../lambdas/shared/domain/analytics-events';

process.env.TABLE_NAME = 'Main';
process.env.ANALYTICS_DELIVERY_STREAM = 'test-analytics-events';
const { handler } = await import('../../../../lambdas/analytics-ingest/handler');

const firehose = mockClient(FirehoseClient);
const ddb = mockClient(DynamoDBDocumentClient);

const CHANNEL = 'u-streamer';
let stream: string;

const request = (body: unknown): LambdaFunctionURLEvent =>
  ({
    version: '2.0',
    rawPath: '/events',
    headers: { 'content-type': 'text/plain;charset=UTF-8' },
    requestContext: { http: { method: 'POST', sourceIp: '203.0.113.7', path: '/events' } },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    isBase64Encoded: false,
  }) as unknown as LambdaFunctionURLEvent;

const event = (over: Partial<AnalyticsEvent> = {}): AnalyticsEvent => ({
  eventId: randomUUID(),
  type: 'heartbeat',
  sessionId: randomUUID(),
  anonymousId: randomUUID(),
  channelId: CHANNEL,
  streamId: stream,
  at: new Date(Date.now() - 5_000).toISOString(),
  ...over,
});

/** The records Firehose was given, as stored events. */
const delivered = (): StoredEvent[] =>
  firehose
    .commandCalls(PutRecordBatchCommand)
    .flatMap((c) => c.args[0].input.Records ?? [])
    .map((r) => JSON.parse(Buffer.from(r.Data as Uint8Array).toString('utf8')) as StoredEvent);

beforeEach(() => {
  firehose.reset();
  ddb.reset();
  // A fresh stream per test: the function caches stream sessions per instance.
  stream = `st-${randomUUID().slice(0, 8)}`;
  firehose.on(PutRecordBatchCommand).resolves({ FailedPutCount: 0, RequestResponses: [] });
  ddb
    .on(GetCommand)
    .callsFake((input: { Key: { PK: string } }) =>
      input.Key.PK.endsWith(stream)
        ? { Item: { userId: CHANNEL, status: 'LIVE' } }
        : input.Key.PK.includes('st-other')
          ? { Item: { userId: 'u-someone-else', status: 'LIVE' } }
          : {},
    );
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
});

describe('analytics ingest: one bad event costs only itself', () => {
  it('stores and counts the good events, and lists each refused one with its index and a sentence', async () => {
    const good = [
      event({ type: 'view_start', ttffMs: 700 }),
      event({ type: 'like' }),
      event({ type: 'product_impression', productId: 'prd-1' }),
    ];
    const future = event({ at: new Date(Date.now() + 3600_000).toISOString() });
    const elsewhere = event({ streamId: 'st-other' });
    const body = {
      events: [good[0], { ...event(), type: 'purchase' }, good[1], future, elsewhere, good[2], { nonsense: true }],
    };

    const res = await handler(request(body));

    expect(res.statusCode).toBe(200);
    const answer = JSON.parse(String(res.body)) as {
      message: string;
      accepted: number;
      rejected: { index: number; eventId?: string; reason: string }[];
    };
    expect(answer.accepted).toBe(3);
    expect(answer.message).toBe('3 of 7 events were accepted; 4 were refused (see "rejected").');
    expect(answer.rejected).toEqual([
      { index: 1, eventId: expect.any(String), reason: expect.stringMatching(/^Event type "purchase" is unknown/) },
      {
        index: 3,
        eventId: future.eventId,
        reason: 'This event is timed more than 5 minutes in the future; event times cannot be in the future.',
      },
      { index: 4, eventId: elsewhere.eventId, reason: `Stream st-other is not a stream of channel ${CHANNEL}.` },
      { index: 6, reason: 'eventId is missing.' },
    ]);
    expect(delivered().map((r) => r.event_id)).toEqual(good.map((e) => e.eventId));
    // The refused future event does not count as the client's clock: the good events keep their times.
    expect(delivered().map((r) => r.at_ms)).toEqual(good.map((e) => Date.parse(e.at)));
    // The live counters add only what was accepted: one view, one like, one impression, and the
    // viewer's watch time credited up to its first heartbeat.
    const adds = ddb
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input)
      .filter((i) => String(i.Key?.SK).startsWith('B#'))
      .flatMap((i) =>
        Object.entries(i.ExpressionAttributeNames ?? {}).map(([alias, name]) => [
          name,
          i.ExpressionAttributeValues?.[alias.replace('#', ':')],
        ]),
      );
    expect(Object.fromEntries(adds)).toMatchObject({ views: 1, likes: 1, 'imp#prd-1': 1, watchMs: 30_000 });
  });

  it('answers 400 with every reason when no event of the batch is acceptable, and stores nothing', async () => {
    const res = await handler(
      request({ events: [event({ streamId: 'st-forged' }), { ...event(), type: 'purchase' }] }),
    );
    expect(res.statusCode).toBe(400);
    const answer = JSON.parse(String(res.body)) as { message: string; accepted: number; rejected: unknown[] };
    expect(answer.message).toBe(
      `None of the 2 events was accepted. Event 1: Stream st-forged is not a stream of channel ${CHANNEL}.`,
    );
    expect(answer.accepted).toBe(0);
    expect(answer.rejected).toHaveLength(2);
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(0);
    expect(ddb.commandCalls(UpdateCommand)).toHaveLength(0);
  });

  it('a lone bad event is answered with its own reason', async () => {
    const res = await handler(request({ events: [event({ type: 'product_click', productId: 'prd-1' })] }));
    expect(res.statusCode).toBe(400);
    expect(JSON.parse(String(res.body))).toMatchObject({ message: 'A product_click event needs a clickKind.' });
  });

  it('answers 204 with no body when every event is accepted', async () => {
    const res = await handler(
      request({ sentAt: new Date().toISOString(), events: [event(), event({ type: 'like' })] }),
    );
    expect(res.statusCode).toBe(204);
    expect(res.body).toBeUndefined();
    expect(delivered()).toHaveLength(2);
  });

  it('still refuses a bad body whole: not JSON, too many events, unknown top-level field, a clock far ahead', async () => {
    const cases: [unknown, RegExp][] = [
      ['{"events": [', /not JSON/],
      [{ events: Array.from({ length: 101 }, () => event()) }, /at most 100 events/],
      [{ events: [event()], price: 1 }, /^Unknown field price\.$/],
      [
        { sentAt: new Date(Date.now() + 3600_000).toISOString(), events: [event()] },
        /sentAt is more than 5 minutes ahead/,
      ],
    ];
    for (const [body, message] of cases) {
      const res = await handler(request(body));
      expect(res.statusCode).toBe(400);
      const answer = JSON.parse(String(res.body)) as { message: string; rejected?: unknown };
      expect(answer.message).toMatch(message);
      expect(answer.rejected).toBeUndefined();
    }
    expect(firehose.commandCalls(PutRecordBatchCommand)).toHaveLength(0);
  });
});
