/**
 * Local EventBridge: the catalog's rules (same pattern objects as the CDK rules, IVS events and the
 * platform's own job events) matched in-process
 * and delivered to the same handlers; a PutEvents endpoint (JSON 1.1, for @aws-sdk/client-eventbridge
 * via AWS_ENDPOINT_URL_EVENTBRIDGE); and the catalog's schedules on timers.
 * Delivery is asynchronous and at-least-once: a failed invocation is retried twice with backoff
 * (EventBridge's retry policy, compressed: the CDK targets retry 8 times over up to 2 h), then the
 * event goes to the dead-letter directory, as it goes to the target's DLQ on AWS.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FUNCTIONS } from '../../lib/functions/catalog';
import { matchesPattern } from './patterns';
import { listen, readBody } from '../http';
import type { DeadLetterSink } from '../dead-letters/index';
import { callerOf } from '../iam/caller';
import { AccessDeniedError, type Authorizer } from '../iam/evaluator';
import { eventsRequests } from '../iam/requests';

export interface BusEvent {
  source: string;
  'detail-type': string;
  detail: Record<string, unknown>;
  resources?: string[];
  time?: string;
}

export interface LocalEventsOptions {
  invoke(name: string, event: unknown): Promise<unknown>;
  port?: number;
  /** Local period of every schedule (AWS: the catalog's minutes). 0 disables schedules. @default 10000 */
  scheduleEveryMs?: number;
  log?: (line: string) => void;
  /** Where an event goes after its retries failed (AWS: the target's dead-letter queue). @default - logged only */
  deadLetters?: DeadLetterSink;
  region?: string;
  account?: string;
  /** When set, every call is authorized for its calling function (IAM in the local mode). */
  iam?: Authorizer;
  /** Rules whose target is not a function (AWS: an SNS topic), matched on the same events. @default none */
  rules?: readonly {
    pattern: Record<string, unknown>;
    deliver(event: Record<string, unknown>): void | Promise<void>;
  }[];
}

export interface LocalEvents {
  url: string;
  /** Puts one event on the bus; resolves once every matching rule's handler has settled. */
  put(event: BusEvent): Promise<void>;
  /** Resolves when every delivery started so far has settled. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

const RETRY_DELAYS_MS = [200, 1000];

export async function startLocalEvents(opts: LocalEventsOptions): Promise<LocalEvents> {
  const region = opts.region ?? 'us-east-1';
  const account = opts.account ?? '000000000000';
  const pending = new Set<Promise<void>>();
  const timers: NodeJS.Timeout[] = [];

  const deliver = async (name: string, event: Record<string, unknown>): Promise<void> => {
    for (let attempt = 0; ; attempt++) {
      try {
        await opts.invoke(name, event);
        return;
      } catch (error) {
        const delay = RETRY_DELAYS_MS[attempt];
        if (delay === undefined) {
          const message = error instanceof Error ? error.message : String(error);
          if (opts.deadLetters) {
            opts.deadLetters.write({
              consumer: name,
              source: 'eventbridge',
              id: String(event.id),
              attempts: attempt + 1,
              error: message,
              payload: event,
            });
          } else {
            opts.log?.(
              `event ${String(event['detail-type'])} to ${name} failed after ${attempt + 1} attempts: ${message}`,
            );
          }
          return;
        }
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  };

  const put = async (input: BusEvent): Promise<void> => {
    const event = {
      version: '0',
      id: randomUUID(),
      'detail-type': input['detail-type'],
      source: input.source,
      account,
      time: input.time ?? new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      region,
      resources: input.resources ?? [],
      detail: input.detail,
    };
    const deliveries: Promise<void>[] = [];
    for (const spec of FUNCTIONS) {
      for (const t of spec.triggers) {
        // One local bus stands in for the default bus and the stack's jobs bus (their patterns do not overlap).
        if (
          (t.kind === 'eventbridge' || t.kind === 'platform-event') &&
          matchesPattern(t.pattern as unknown as Record<string, unknown>, event)
        ) {
          const p = deliver(spec.name, event);
          pending.add(p);
          void p.finally(() => pending.delete(p));
          deliveries.push(p);
        }
      }
    }
    for (const rule of opts.rules ?? []) {
      if (matchesPattern(rule.pattern, event))
        deliveries.push(
          Promise.resolve(rule.deliver(event)).catch((error: unknown) =>
            opts.log?.(`rule delivery failed: ${(error as Error).message}`),
          ),
        );
    }
    await Promise.all(deliveries);
  };

  const server = createServer(async (req, res) => {
    const target = String(req.headers['x-amz-target'] ?? '');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(body));
    };
    if (req.method !== 'POST' || target !== 'AWSEvents.PutEvents') {
      reply(400, {
        __type: 'UnknownOperationException',
        message: `The local event bus supports PutEvents only (got ${target || req.method}).`,
      });
      return;
    }
    try {
      const body = JSON.parse(await readBody(req)) as {
        Entries?: {
          Source: string;
          DetailType: string;
          Detail: string;
          Resources?: string[];
          Time?: number | string;
        }[];
      };
      const entries = body.Entries ?? [];
      await opts.iam?.enforce(callerOf(req), eventsRequests(entries, { region, account }));
      const ids = entries.map(() => randomUUID());
      for (const e of entries) {
        const time =
          e.Time === undefined
            ? undefined
            : new Date(typeof e.Time === 'number' ? e.Time * 1000 : e.Time).toISOString();
        void put({
          source: e.Source,
          'detail-type': e.DetailType,
          detail: JSON.parse(e.Detail || '{}') as Record<string, unknown>,
          resources: e.Resources,
          time,
        });
      }
      reply(200, { FailedEntryCount: 0, Entries: ids.map((EventId) => ({ EventId })) });
    } catch (error) {
      if (error instanceof AccessDeniedError) reply(400, { __type: 'AccessDeniedException', message: error.message });
      else reply(400, { __type: 'ValidationException', message: (error as Error).message });
    }
  });
  await listen(server, opts.port ?? 0, 'Event bus');
  const port = (server.address() as AddressInfo).port;

  const every = opts.scheduleEveryMs ?? 10_000;
  if (every > 0) {
    for (const spec of FUNCTIONS) {
      for (const t of spec.triggers) {
        if (t.kind !== 'schedule') continue;
        const ruleArn = `arn:aws:events:${region}:${account}:rule/${t.ruleId}`;
        const timer = setInterval(() => {
          const event = {
            version: '0',
            id: randomUUID(),
            'detail-type': 'Scheduled Event',
            source: 'aws.events',
            account,
            time: new Date().toISOString(),
            region,
            resources: [ruleArn],
            detail: {},
          };
          const p = deliver(spec.name, event);
          pending.add(p);
          void p.finally(() => pending.delete(p));
        }, every);
        timer.unref();
        timers.push(timer);
      }
    }
  }

  return {
    url: `http://127.0.0.1:${port}`,
    put,
    async settled() {
      while (pending.size) await Promise.allSettled([...pending]);
    },
    async stop() {
      for (const t of timers) clearInterval(t);
      await Promise.allSettled([...pending]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
