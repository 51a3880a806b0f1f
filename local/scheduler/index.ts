/**
 * Local EventBridge Scheduler: the one-time schedules the battles function creates (docs/battles.md),
 * on the Scheduler's REST API (CreateSchedule `POST /schedules/{Name}`, GetSchedule `GET`,
 * DeleteSchedule `DELETE`, `?groupName=`), so `@aws-sdk/client-scheduler` works unchanged through
 * AWS_ENDPOINT_URL_SCHEDULER. Only `at(yyyy-mm-ddThh:mm:ss)` expressions in UTC are served. At its
 * time a schedule invokes its target (a Lambda ARN: the local function of that name) with its
 * Input, retried as the target's RetryPolicy allows (compressed), then the schedule is deleted when
 * ActionAfterCompletion is DELETE, as the Scheduler does. With IAM on, CreateSchedule also needs
 * iam:PassRole on the target's role for the Scheduler, as in AWS.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen, readBody } from '../http';
import { callerOf } from '../iam/caller';
import { AccessDeniedError, type Authorizer } from '../iam/evaluator';
import { schedulerRequests } from '../iam/requests';

export interface LocalSchedulerOptions {
  /** Invokes a local function by its catalog name (the Lambda runner). */
  invoke(name: string, event: unknown): Promise<unknown>;
  /** The catalog name of a target ARN's function; default: the ARN's function name without the `local-` prefix. */
  functionOf?: (arn: string) => string;
  port?: number;
  iam?: Authorizer;
  region?: string;
  account?: string;
  log?: (line: string) => void;
}

export interface LocalScheduler {
  url: string;
  /** Schedules waiting to fire, by `<group>/<name>`. */
  pending(): string[];
  /** Resolves when every schedule that fired so far has finished its invocation. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

interface Stored {
  name: string;
  group: string;
  expression: string;
  target: { Arn: string; RoleArn: string; Input?: string; RetryPolicy?: { MaximumRetryAttempts?: number } };
  actionAfterCompletion: string;
  timer?: NodeJS.Timeout;
  state: 'ENABLED' | 'DONE';
}

class SchedulerError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** `at(2026-12-03T01:30:00)` → epoch ms (UTC), or undefined for any other expression. */
export function atTime(expression: string): number | undefined {
  const m = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(expression);
  if (!m) return undefined;
  const ms = Date.parse(`${m[1]}Z`);
  return Number.isNaN(ms) ? undefined : ms;
}

const RETRY_DELAY_MS = 200;
/** Node timers hold at most 2^31−1 ms (about 24.8 days); a schedule further out re-arms. */
const MAX_TIMER_MS = 2_147_483_647;

export async function startLocalScheduler(opts: LocalSchedulerOptions): Promise<LocalScheduler> {
  const region = opts.region ?? 'us-east-1';
  const account = opts.account ?? '000000000000';
  const functionOf =
    opts.functionOf ??
    ((arn: string) => (arn.split(':function:')[1] ?? arn).replace(/:.*$/, '').replace(/^local-/, ''));
  const schedules = new Map<string, Stored>();
  const running = new Set<Promise<void>>();
  const id = (group: string, name: string) => `${group}/${name}`;

  const fire = async (s: Stored): Promise<void> => {
    const attempts = 1 + Math.min(s.target.RetryPolicy?.MaximumRetryAttempts ?? 185, 5);
    const event = s.target.Input ? (JSON.parse(s.target.Input) as unknown) : {};
    for (let attempt = 1; ; attempt++) {
      try {
        await opts.invoke(functionOf(s.target.Arn), event);
        break;
      } catch (error) {
        if (attempt >= attempts) {
          opts.log?.(`schedule ${s.group}/${s.name} failed after ${attempt} attempts: ${(error as Error).message}`);
          break;
        }
        await new Promise((r) => setTimeout(r, RETRY_DELAY_MS * attempt));
      }
    }
    s.state = 'DONE';
    if (s.actionAfterCompletion === 'DELETE' && schedules.get(id(s.group, s.name)) === s)
      schedules.delete(id(s.group, s.name));
  };

  const arm = (s: Stored, atMs: number): void => {
    const wait = atMs - Date.now();
    if (wait > MAX_TIMER_MS) {
      s.timer = setTimeout(() => arm(s, atMs), MAX_TIMER_MS);
    } else {
      s.timer = setTimeout(
        () => {
          const p = fire(s);
          running.add(p);
          void p.finally(() => running.delete(p));
        },
        Math.max(0, wait),
      );
    }
    s.timer.unref();
  };

  const send = (res: ServerResponse, status: number, body: unknown, errorType?: string) => {
    res.writeHead(status, {
      'content-type': 'application/json',
      ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
    });
    res.end(JSON.stringify(body));
  };

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const m = /^\/schedules\/([^/]+)$/.exec(url.pathname);
      if (!m)
        throw new SchedulerError(
          'ValidationException',
          `The local Scheduler serves /schedules/{Name} only (got ${url.pathname}).`,
          400,
        );
      const name = decodeURIComponent(m[1] as string);
      const body = req.method === 'POST' ? (JSON.parse((await readBody(req)) || '{}') as Record<string, unknown>) : {};
      const group = String((req.method === 'POST' ? body.GroupName : url.searchParams.get('groupName')) ?? 'default');
      const arn = `arn:aws:scheduler:${region}:${account}:schedule/${group}/${name}`;
      const operation =
        req.method === 'POST'
          ? 'CreateSchedule'
          : req.method === 'DELETE'
            ? 'DeleteSchedule'
            : req.method === 'GET'
              ? 'GetSchedule'
              : undefined;
      if (!operation)
        throw new SchedulerError(
          'ValidationException',
          `The local Scheduler does not serve ${req.method} ${url.pathname}.`,
          400,
        );
      const target = body.Target as Stored['target'] | undefined;
      await opts.iam?.enforce(callerOf(req), schedulerRequests(operation, arn, target?.RoleArn));
      const key = id(group, name);
      if (operation === 'CreateSchedule') {
        if (schedules.has(key)) throw new SchedulerError('ConflictException', `Schedule ${name} already exists.`, 409);
        const expression = String(body.ScheduleExpression ?? '');
        const atMs = atTime(expression);
        if (atMs === undefined)
          throw new SchedulerError(
            'ValidationException',
            `The local Scheduler serves one-time at(yyyy-mm-ddThh:mm:ss) schedules only (got ${expression}).`,
            400,
          );
        if (body.ScheduleExpressionTimezone && body.ScheduleExpressionTimezone !== 'UTC') {
          throw new SchedulerError('ValidationException', 'The local Scheduler serves UTC schedules only.', 400);
        }
        if (!target?.Arn || !target.RoleArn)
          throw new SchedulerError('ValidationException', 'A schedule needs Target.Arn and Target.RoleArn.', 400);
        const stored: Stored = {
          name,
          group,
          expression,
          target,
          actionAfterCompletion: String(body.ActionAfterCompletion ?? 'NONE'),
          state: 'ENABLED',
        };
        schedules.set(key, stored);
        arm(stored, atMs);
        send(res, 200, { ScheduleArn: arn });
        return;
      }
      const found = schedules.get(key);
      if (!found) throw new SchedulerError('ResourceNotFoundException', `Schedule ${name} does not exist.`, 404);
      if (operation === 'DeleteSchedule') {
        clearTimeout(found.timer);
        schedules.delete(key);
        send(res, 200, {});
        return;
      }
      send(res, 200, {
        Arn: arn,
        Name: name,
        GroupName: group,
        ScheduleExpression: found.expression,
        ScheduleExpressionTimezone: 'UTC',
        State: 'ENABLED',
        ActionAfterCompletion: found.actionAfterCompletion,
        Target: found.target,
        FlexibleTimeWindow: { Mode: 'OFF' },
      });
    } catch (error) {
      if (error instanceof AccessDeniedError) send(res, 403, { message: error.message }, 'AccessDeniedException');
      else if (error instanceof SchedulerError) send(res, error.status, { message: error.message }, error.code);
      else send(res, 400, { message: (error as Error).message }, 'ValidationException');
    }
  });
  await listen(server, opts.port ?? 0, 'Scheduler');
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    pending: () => [...schedules.values()].filter((s) => s.state === 'ENABLED').map((s) => id(s.group, s.name)),
    async settled() {
      while (running.size) await Promise.allSettled([...running]);
    },
    async stop() {
      for (const s of schedules.values()) clearTimeout(s.timer);
      await Promise.allSettled([...running]);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
