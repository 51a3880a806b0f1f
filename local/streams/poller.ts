/**
 * Table stream → Lambda, as the Lambda event source mapping does: polls the Main table's
 * DynamoDB stream on DynamoDB Local (NEW_AND_OLD_IMAGES, same as the CDK table) and invokes each
 * consumer with DynamoDB-stream-shaped records in order per shard, honouring partial batch
 * responses; a record that fails its retries goes to the dead-letter directory (startStreamPoller).
 */
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { STREAM_RETRY_ATTEMPTS } from '../../lib/functions/delivery';
import type { DeadLetterSink } from '../dead-letters/index';

type Av = Record<string, unknown>;

/**
 * An image as Lambda's event JSON carries it. The Streams SDK client deserialises an empty map
 * attribute (`{ M: {} }`) as `{}`, which `unmarshall` rejects ("No value defined"); an empty list
 * survives, so `{}` can only have been an empty map.
 */
export function lambdaImage<T extends object>(image: Record<string, T> | undefined): Record<string, T> | undefined {
  if (!image) return image;
  const fix = (v: Av): Av => {
    if (!v || typeof v !== 'object' || Object.keys(v).length === 0) return { M: {} };
    if (v.M) return { M: lambdaImage(v.M as Record<string, Av>) };
    if (Array.isArray(v.L)) return { L: (v.L as Av[]).map(fix) };
    return v;
  };
  return Object.fromEntries(Object.entries(image).map(([k, v]) => [k, fix(v as Av)])) as Record<string, T>;
}

/** A stream record's `dynamodb` part with its Keys and images in Lambda's shape (lambdaImage). */
export function withLambdaImages<T extends { Keys?: object; NewImage?: object; OldImage?: object }>(
  d: T | undefined,
): T {
  const fix = (image: object | undefined) => lambdaImage(image as Record<string, object> | undefined);
  return { ...d, Keys: fix(d?.Keys), NewImage: fix(d?.NewImage), OldImage: fix(d?.OldImage) } as T;
}

/** One function the table stream triggers (one event source mapping on AWS). */
export interface StreamConsumer {
  readonly name: string;
  /** Invokes the function with `{ Records }`; its answer may carry `batchItemFailures`. */
  handle(event: { Records: unknown[] }): Promise<unknown>;
  /** Lambda event filtering: only records it accepts reach the function (the others never invoke it). */
  accepts?(record: unknown): boolean;
  /** Records per invocation (the mapping's batch size). @default the poller's batchSize */
  readonly batchSize?: number;
}

export interface StreamPollerOptions {
  dynamo: DynamoDBClient;
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  table: string;
  /** Each has its own position in every shard, as each event source mapping does. */
  consumers: readonly StreamConsumer[];
  /** Where a record that failed its retries goes; without one it is only logged (and the stream still moves on). */
  deadLetters?: DeadLetterSink;
  /** Retries of a failing record before it is dead-lettered. @default STREAM_RETRY_ATTEMPTS (as the CDK mapping) */
  retryAttempts?: number;
  /** Pause before a retry. @default 1000 */
  retryDelayMs?: number;
  /** Records per invocation (AWS: the mapping's batch size). @default 100 */
  batchSize?: number;
  intervalMs?: number;
  log?: (line: string) => void;
}

type LambdaRecord = ReturnType<typeof toLambdaRecord>;

function toLambdaRecord(r: _Record, region: string, streamArn: string) {
  return {
    eventID: r.eventID,
    eventName: r.eventName,
    eventVersion: r.eventVersion ?? '1.1',
    eventSource: 'aws:dynamodb',
    awsRegion: region,
    dynamodb: {
      ...withLambdaImages(r.dynamodb),
      ApproximateCreationDateTime: r.dynamodb?.ApproximateCreationDateTime
        ? Math.floor(new Date(r.dynamodb.ApproximateCreationDateTime).getTime() / 1000)
        : undefined,
    },
    eventSourceARN: streamArn,
  };
}

/**
 * Which of `batch` to retry from, given the handler's answer: undefined when all succeeded, else
 * the index of the lowest failed record (Lambda checkpoints there and redelivers from it). An
 * answer naming no known sequence number fails the whole batch, as Lambda treats it.
 */
export function retryFrom(
  batch: readonly { dynamodb?: { SequenceNumber?: string } }[],
  answer: unknown,
): number | undefined {
  const failures = (answer as { batchItemFailures?: unknown } | null | undefined)?.batchItemFailures;
  if (!Array.isArray(failures) || failures.length === 0) return undefined;
  let lowest = batch.length;
  for (const f of failures as { itemIdentifier?: unknown }[]) {
    const index = batch.findIndex(
      (r) => r.dynamodb?.SequenceNumber !== undefined && r.dynamodb.SequenceNumber === f?.itemIdentifier,
    );
    if (index < 0) return 0;
    lowest = Math.min(lowest, index);
  }
  return lowest;
}

/** One consumer's place in one shard: records read but not yet handled, and the retries of the first. */
interface Position {
  iterator: string | undefined;
  buffer: LambdaRecord[];
  /** Failed deliveries of buffer[0] so far. */
  failures: number;
  /** After a thrown invocation (no record named): deliver only this many, halving towards the culprit. */
  bisect: number | undefined;
  retryAt: number;
  lastError: string;
}

/**
 * Polls the table's stream for every consumer as Lambda's event source mappings do: records in
 * order per shard; an answer with `batchItemFailures` is retried from the lowest failed record
 * (the records before it are done); a thrown invocation is retried with the batch halved (bisect)
 * until the failing record stands alone; a record still failing after `retryAttempts` retries is
 * written to the dead-letter sink and the consumer moves on, so a poisoned record delays its shard
 * by its retries only. Delivery is at-least-once, like AWS.
 */
export async function startStreamPoller(
  opts: StreamPollerOptions,
): Promise<{ stop(): Promise<void>; drained(): Promise<void> }> {
  const { Table } = await opts.dynamo.send(new DescribeTableCommand({ TableName: opts.table }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`Table ${opts.table} has no stream`);
  const client = new DynamoDBStreamsClient({
    endpoint: opts.endpoint,
    region: opts.region,
    credentials: opts.credentials,
  });
  const retryAttempts = opts.retryAttempts ?? STREAM_RETRY_ATTEMPTS;
  const retryDelayMs = opts.retryDelayMs ?? 1000;
  const batchSize = opts.batchSize ?? 100;
  const positions = new Map<string, Map<string, Position>>(opts.consumers.map((c) => [c.name, new Map()]));
  let started = false;
  let stopped = false;
  let idle = true;
  let loop: Promise<void> = Promise.resolve();
  const every = opts.intervalMs ?? 250;

  const deadLetter = (consumer: string, record: LambdaRecord, p: Position): void => {
    const letter = {
      consumer,
      source: 'table-stream' as const,
      id: record.dynamodb.SequenceNumber ?? record.eventID ?? 'unknown',
      attempts: p.failures,
      error: p.lastError,
      payload: record,
    };
    if (opts.deadLetters) opts.deadLetters.write(letter);
    else
      opts.log?.(
        `table stream record ${letter.id} to ${consumer} failed ${letter.attempts} times and is dropped (no dead-letter directory): ${letter.error}`,
      );
  };

  /** Delivers the position's next batch once; true while it has work (records, or a retry waiting). */
  const deliver = async (consumer: StreamConsumer, p: Position): Promise<boolean> => {
    if (!p.buffer.length) return false;
    if (Date.now() < p.retryAt) return true;
    const size = consumer.batchSize ?? batchSize;
    const batch = p.buffer.slice(0, Math.min(size, p.bisect ?? size));
    let from: number | undefined;
    try {
      // Lambda receives the batch as JSON: the same round trip drops SDK-only fields.
      const answer = await consumer.handle(JSON.parse(JSON.stringify({ Records: batch })) as { Records: unknown[] });
      from = retryFrom(batch, answer);
      if (from !== undefined)
        p.lastError = `${consumer.name} reported record ${batch[from]?.dynamodb.SequenceNumber ?? '?'} in batchItemFailures`;
      p.bisect = undefined;
    } catch (error) {
      from = 0;
      p.lastError = error instanceof Error ? error.message : String(error);
      // Nothing says which record failed: halve the batch until one record carries the failure alone.
      if (batch.length > 1) {
        p.bisect = Math.ceil(batch.length / 2);
        p.retryAt = Date.now() + retryDelayMs;
        opts.log?.(
          `table stream batch to ${consumer.name} failed, retrying ${p.bisect} of ${batch.length}: ${p.lastError}`,
        );
        return true;
      }
    }
    if (from === undefined) {
      p.buffer = p.buffer.slice(batch.length);
      p.failures = 0;
      return p.buffer.length > 0;
    }
    if (from > 0) p.failures = 0;
    p.buffer = p.buffer.slice(from);
    p.failures++;
    const head = p.buffer[0] as LambdaRecord;
    if (p.failures > retryAttempts) {
      deadLetter(consumer.name, head, p);
      p.buffer = p.buffer.slice(1);
      p.failures = 0;
      p.bisect = undefined;
      p.retryAt = 0;
    } else {
      p.retryAt = Date.now() + retryDelayMs;
      opts.log?.(
        `table stream record ${head.dynamodb.SequenceNumber ?? '?'} to ${consumer.name} failed (attempt ${p.failures} of ${retryAttempts + 1}), retrying: ${p.lastError}`,
      );
    }
    return true;
  };

  const tick = async (): Promise<boolean> => {
    let busy = false;
    const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of StreamDescription?.Shards ?? []) {
      const id = shard.ShardId as string;
      for (const consumer of opts.consumers) {
        const mine = positions.get(consumer.name) as Map<string, Position>;
        let p = mine.get(id);
        if (!p) {
          // Shards there at start: from now; a shard opened later (a rollover): from its start, so no record in it is missed.
          const { ShardIterator } = await client.send(
            new GetShardIteratorCommand({
              StreamArn: streamArn,
              ShardId: id,
              ShardIteratorType: started ? 'TRIM_HORIZON' : 'LATEST',
            }),
          );
          p = { iterator: ShardIterator, buffer: [], failures: 0, bisect: undefined, retryAt: 0, lastError: '' };
          mine.set(id, p);
        }
        if (!p.buffer.length && p.iterator) {
          const { Records, NextShardIterator } = await client.send(
            new GetRecordsCommand({ ShardIterator: p.iterator, Limit: batchSize }),
          );
          p.buffer = (Records ?? [])
            .map((r) => toLambdaRecord(r, opts.region, streamArn))
            .filter((r) => consumer.accepts?.(r) ?? true);
          p.iterator = NextShardIterator;
        }
        if (await deliver(consumer, p)) busy = true;
      }
    }
    return busy;
  };

  // Start from now: position every shard before returning, so no later write is missed.
  await tick();
  started = true;
  loop = (async () => {
    while (!stopped) {
      try {
        idle = !(await tick());
      } catch (error) {
        opts.log?.(`table stream poll failed: ${(error as Error).message}`);
      }
      if (!stopped) await new Promise((r) => setTimeout(r, every));
    }
  })();

  return {
    async drained() {
      for (let i = 0; i < 200 && !(idle && (await new Promise((r) => setTimeout(r, every * 2)), idle)); i++) {
        /* wait */
      }
    },
    async stop() {
      stopped = true;
      await loop;
      client.destroy();
    },
  };
}
