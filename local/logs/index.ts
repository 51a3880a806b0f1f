/**
 * Local CloudWatch Logs, the part the platform uses: log groups that services write to (the local
 * IVS Chat's room logs) and subscription filters to a Lambda. Like CloudWatch Logs, records are
 * batched per log stream and delivered as a subscription event (`awslogs.data`: base64 of the
 * gzipped DATA_MESSAGE), invoked asynchronously and retried twice; a batch that still fails goes to
 * the dead-letter sink (AWS would drop it after the async retries).
 */
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export interface LocalLogsOptions {
  /** The account id delivered as `owner`. */
  owner: string;
  /** Subscription filters: log group name → the function that receives its batches. */
  subscriptions: Record<string, (event: { awslogs: { data: string } }) => Promise<unknown>>;
  /** How long records wait to be batched (CloudWatch Logs delivers within seconds). @default 500 */
  flushMs?: number;
  log?: (line: string) => void;
  onDeadLetter?: (logGroup: string, logStream: string, error: Error, messages: string[]) => void;
}

export interface LocalLogs {
  put(logGroupName: string, logStreamName: string, message: string): void;
  /** Delivers everything buffered now (tests, shutdown). */
  flush(): Promise<void>;
  stop(): Promise<void>;
}

interface Pending {
  group: string;
  stream: string;
  events: { id: string; timestamp: number; message: string }[];
}

/** Delivery attempts of one batch: the first and Lambda's two asynchronous retries. */
const ATTEMPTS = 3;

export function createLocalLogs(opts: LocalLogsOptions): LocalLogs {
  const flushMs = opts.flushMs ?? 500;
  const pending = new Map<string, Pending>();
  /** Per log stream, the last delivery: the next one waits for it, so a stream's records arrive in order. */
  const chains = new Map<string, Promise<void>>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;

  const deliver = async (batch: Pending): Promise<void> => {
    const target = opts.subscriptions[batch.group];
    if (!target) return;
    const data = gzipSync(
      JSON.stringify({
        messageType: 'DATA_MESSAGE',
        owner: opts.owner,
        logGroup: batch.group,
        logStream: batch.stream,
        subscriptionFilters: ['local'],
        logEvents: batch.events,
      }),
    ).toString('base64');
    for (let attempt = 1; ; attempt++) {
      try {
        await target({ awslogs: { data } });
        return;
      } catch (error) {
        if (attempt >= ATTEMPTS) {
          opts.log?.(
            `CloudWatch Logs subscription of ${batch.group} failed ${ATTEMPTS} times: ${(error as Error).message}`,
          );
          opts.onDeadLetter?.(
            batch.group,
            batch.stream,
            error as Error,
            batch.events.map((e) => e.message),
          );
          return;
        }
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  };

  const flush = async (): Promise<void> => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const batches = [...pending.entries()];
    pending.clear();
    for (const [key, batch] of batches) {
      const next = (chains.get(key) ?? Promise.resolve()).then(() => deliver(batch));
      chains.set(key, next);
      void next.finally(() => {
        if (chains.get(key) === next) chains.delete(key);
      });
    }
    await Promise.all([...chains.values()]);
  };

  return {
    put(group, stream, message) {
      if (stopped) return;
      const key = `${group}\n${stream}`;
      const batch = pending.get(key) ?? { group, stream, events: [] };
      batch.events.push({ id: randomBytes(16).toString('hex'), timestamp: Date.now(), message });
      pending.set(key, batch);
      timer ??= setTimeout(() => void flush(), flushMs);
    },
    flush,
    async stop() {
      await flush();
      stopped = true;
    },
  };
}
