/**
 * Table stream → Lambda, as the Lambda event source mapping does: polls the Main table's
 * DynamoDB stream on DynamoDB Local (NEW_AND_OLD_IMAGES, same as the CDK table) and invokes the
 * handler with DynamoDB-stream-shaped records in order per shard; a failed batch is retried
 * (after a pause) before moving on, so delivery is at-least-once like AWS.
 */
import {
  DescribeStreamCommand, DynamoDBStreamsClient, GetRecordsCommand, GetShardIteratorCommand, type _Record,
} from '@aws-sdk/client-dynamodb-streams';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';

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
export function withLambdaImages<T extends { Keys?: object; NewImage?: object; OldImage?: object }>(d: T | undefined): T {
  const fix = (image: object | undefined) => lambdaImage(image as Record<string, object> | undefined);
  return { ...d, Keys: fix(d?.Keys), NewImage: fix(d?.NewImage), OldImage: fix(d?.OldImage) } as T;
}

export interface StreamPollerOptions {
  dynamo: DynamoDBClient;
  endpoint: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  table: string;
  onBatch(event: { Records: unknown[] }): Promise<unknown>;
  intervalMs?: number;
  log?: (line: string) => void;
}

export async function startStreamPoller(opts: StreamPollerOptions): Promise<{ stop(): Promise<void>; drained(): Promise<void> }> {
  const { Table } = await opts.dynamo.send(new DescribeTableCommand({ TableName: opts.table }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`Table ${opts.table} has no stream`);
  const client = new DynamoDBStreamsClient({ endpoint: opts.endpoint, region: opts.region, credentials: opts.credentials });
  const iterators = new Map<string, string | undefined>();
  let stopped = false;
  let idle = true;
  let loop: Promise<void> = Promise.resolve();
  const every = opts.intervalMs ?? 250;

  const toRecord = (r: _Record) => ({
    eventID: r.eventID, eventName: r.eventName, eventVersion: r.eventVersion ?? '1.1', eventSource: 'aws:dynamodb', awsRegion: opts.region,
    dynamodb: {
      ...withLambdaImages(r.dynamodb),
      ApproximateCreationDateTime: r.dynamodb?.ApproximateCreationDateTime ? Math.floor(new Date(r.dynamodb.ApproximateCreationDateTime).getTime() / 1000) : undefined,
    },
    eventSourceARN: streamArn,
  });

  const tick = async (): Promise<boolean> => {
    let busy = false;
    const { StreamDescription } = await client.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of StreamDescription?.Shards ?? []) {
      const id = shard.ShardId as string;
      if (!iterators.has(id)) {
        const { ShardIterator } = await client.send(new GetShardIteratorCommand({ StreamArn: streamArn, ShardId: id, ShardIteratorType: 'LATEST' }));
        iterators.set(id, ShardIterator);
      }
      const iterator = iterators.get(id);
      if (!iterator) continue;
      const { Records, NextShardIterator } = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
      if (Records?.length) {
        busy = true;
        try {
          // Lambda receives the batch as JSON: the same round trip drops SDK-only fields.
          await opts.onBatch(JSON.parse(JSON.stringify({ Records: Records.map(toRecord) })) as { Records: unknown[] });
        } catch (error) {
          opts.log?.(`table stream batch failed, retrying: ${(error as Error).message}`);
          await new Promise((r) => setTimeout(r, 1000));
          continue; // keep the iterator: the same records are read again
        }
      }
      iterators.set(id, NextShardIterator);
    }
    return busy;
  };

  // Start from now: position every shard before returning, so no later write is missed.
  await tick();
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
      for (let i = 0; i < 200 && !(idle && (await new Promise((r) => setTimeout(r, every * 2)), idle)); i++) { /* wait */ }
    },
    async stop() {
      stopped = true;
      await loop;
      client.destroy();
    },
  };
}
