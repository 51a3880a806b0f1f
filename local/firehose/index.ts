/**
 * Local Amazon Data Firehose: PutRecord and PutRecordBatch on Firehose's JSON protocol, so
 * `@aws-sdk/client-firehose` works unchanged through AWS_ENDPOINT_URL_FIREHOSE. Each delivery
 * stream lands its records in the local S3 as Firehose's dynamic partitioning does in AWS: the
 * same S3 prefix expression (`!{timestamp:…}` from the arrival time, `!{partitionKeyFromQuery:…}`
 * from the same JQ metadata query, of the `{key: .field}` form) and the same buffering idea (records
 * collected per partition, one object per partition and flush). AWS converts the records to Parquet
 * through the Glue table; locally they stay newline-delimited JSON, which DuckDB reads with the
 * same column types (local/athena).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen, readBody } from '../http';
import { callerOf } from '../iam/caller';
import { AccessDeniedError, type Authorizer } from '../iam/evaluator';
import { firehoseRequests } from '../iam/requests';
import type { BucketStore } from '../s3/store';

export interface LocalDeliveryStream {
  readonly name: string;
  readonly bucket: string;
  /** S3 prefix expression, as the stack's ExtendedS3DestinationConfiguration.Prefix. */
  readonly prefix: string;
  /** The error output prefix (records whose partition keys cannot be read). */
  readonly errorPrefix: string;
  /** JQ metadata extraction query of the `{key: .field, …}` form. */
  readonly partitionQuery: string;
}

export interface LocalFirehoseOptions {
  store: BucketStore;
  streams: readonly LocalDeliveryStream[];
  /** Buffer interval: records reach S3 at most this long after they arrive. @default 1000 */
  bufferIntervalMs?: number;
  /** Buffer size per partition that flushes at once. @default 1 MiB */
  bufferBytes?: number;
  port?: number;
  iam?: Authorizer;
  region?: string;
  account?: string;
}

export interface LocalFirehose {
  url: string;
  /** Writes every buffered record to S3 now. */
  flush(): Promise<void>;
  /** Records accepted so far per stream (for tests and the bench). */
  readonly accepted: Map<string, number>;
  stop(): Promise<void>;
}

class FirehoseError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}

/** The `{key: .field, …}` JQ query as key → field pairs; throws on anything else. */
export function parsePartitionQuery(query: string): [string, string][] {
  const body = query.trim().replace(/^\{/, '').replace(/\}$/, '');
  return body.split(',').map((pair) => {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*\.([A-Za-z_][A-Za-z0-9_]*)\s*$/.exec(pair);
    if (!m?.[1] || !m[2])
      throw new Error(`The local Firehose reads JQ queries of the form {key: .field}, not ${query}`);
    return [m[1], m[2]];
  });
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Evaluates a Firehose S3 prefix expression for a record's partition keys at arrival time `at`. */
export function evaluatePrefix(prefix: string, keys: Record<string, string>, at: Date, errorType?: string): string {
  return prefix.replace(/!\{([a-zA-Z]+):([^}]+)\}/g, (_, namespace: string, arg: string) => {
    if (namespace === 'timestamp') {
      return arg
        .replace('yyyy', String(at.getUTCFullYear()))
        .replace('MM', pad(at.getUTCMonth() + 1))
        .replace('dd', pad(at.getUTCDate()))
        .replace('HH', pad(at.getUTCHours()))
        .replace('mm', pad(at.getUTCMinutes()))
        .replace('ss', pad(at.getUTCSeconds()));
    }
    if (namespace === 'partitionKeyFromQuery') {
      const value = keys[arg];
      if (value === undefined) throw new Error(`no partition key ${arg}`);
      return value;
    }
    if (namespace === 'firehose' && arg === 'error-output-type') return errorType ?? 'processing-failed';
    throw new Error(`unknown prefix namespace ${namespace}`);
  });
}

export async function startLocalFirehose(opts: LocalFirehoseOptions): Promise<LocalFirehose> {
  const region = opts.region ?? 'us-east-1';
  const account = opts.account ?? '000000000000';
  const interval = opts.bufferIntervalMs ?? 1000;
  const maxBytes = opts.bufferBytes ?? 1024 * 1024;
  const streams = new Map(opts.streams.map((s) => [s.name, { ...s, query: parsePartitionQuery(s.partitionQuery) }]));
  const accepted = new Map<string, number>();
  // Per stream and object prefix: the buffered record bytes.
  const buffers = new Map<
    string,
    { stream: string; bucket: string; prefix: string; chunks: Buffer[]; bytes: number }
  >();
  let writing: Promise<void> = Promise.resolve();

  const objectKey = (prefix: string, stream: string, at: Date) =>
    `${prefix}${stream}-1-${at.toISOString().slice(0, 19).replace(/[T:]/g, '-')}-${randomUUID()}`;
  const flushOne = async (id: string) => {
    const b = buffers.get(id);
    if (!b || !b.chunks.length) return;
    buffers.delete(id);
    const body = Buffer.concat(b.chunks);
    await opts.store.write(b.bucket, objectKey(b.prefix, b.stream, new Date()), body, {
      contentType: 'application/x-ndjson',
    });
  };
  const flush = () => {
    const ids = [...buffers.keys()];
    writing = writing.then(async () => {
      for (const id of ids) await flushOne(id);
    });
    return writing;
  };
  const timer = setInterval(() => void flush().catch(() => undefined), interval);
  timer.unref();

  const put = (name: string, records: { Data?: string }[]) => {
    const stream = streams.get(name);
    if (!stream)
      throw new FirehoseError('ResourceNotFoundException', `Firehose ${name} under account ${account} not found.`);
    if (records.length > 500)
      throw new FirehoseError('InvalidArgumentException', 'A PutRecordBatch request holds at most 500 records.');
    const at = new Date();
    const full: string[] = [];
    const responses = records.map((r) => {
      const data = Buffer.from(r.Data ?? '', 'base64');
      let prefix: string;
      try {
        const record = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
        const keys = Object.fromEntries(
          stream.query.map(([k, field]) => {
            const v = record[field];
            if (typeof v !== 'string' && typeof v !== 'number') throw new Error(`no ${field}`);
            return [k, String(v)];
          }),
        );
        prefix = evaluatePrefix(stream.prefix, keys, at);
      } catch {
        prefix = evaluatePrefix(stream.errorPrefix, {}, at, 'partitioning-failed');
      }
      const id = `${name}\n${prefix}`;
      const b = buffers.get(id) ?? { stream: name, bucket: stream.bucket, prefix, chunks: [], bytes: 0 };
      b.chunks.push(data);
      b.bytes += data.length;
      buffers.set(id, b);
      if (b.bytes >= maxBytes) full.push(id);
      return { RecordId: randomUUID() };
    });
    accepted.set(name, (accepted.get(name) ?? 0) + records.length);
    if (full.length)
      writing = writing.then(async () => {
        for (const id of full) await flushOne(id);
      });
    return { FailedPutCount: 0, Encrypted: false, RequestResponses: responses };
  };

  const send = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));

  const server = createServer(async (req, res) => {
    try {
      const operation = String(req.headers['x-amz-target'] ?? '').replace(/^Firehose_20150804\./, '');
      const body = JSON.parse((await readBody(req)) || '{}') as {
        DeliveryStreamName?: string;
        Records?: { Data?: string }[];
        Record?: { Data?: string };
      };
      const name = String(body.DeliveryStreamName ?? '');
      switch (operation) {
        case 'PutRecordBatch':
          await opts.iam?.enforce(callerOf(req), firehoseRequests(operation, name, { region, account }));
          send(res, 200, put(name, body.Records ?? []));
          return;
        case 'PutRecord': {
          await opts.iam?.enforce(callerOf(req), firehoseRequests(operation, name, { region, account }));
          const out = put(name, body.Record ? [body.Record] : []);
          send(res, 200, { RecordId: out.RequestResponses[0]?.RecordId, Encrypted: false });
          return;
        }
        default:
          throw new FirehoseError(
            'UnknownOperationException',
            `The local Firehose does not serve ${operation || 'this request'}.`,
          );
      }
    } catch (error) {
      const e =
        error instanceof FirehoseError
          ? error
          : error instanceof AccessDeniedError
            ? new FirehoseError('AccessDeniedException', error.message)
            : new FirehoseError('ServiceUnavailableException', (error as Error).message, 500);
      send(res, e.status, { __type: e.code, message: e.message });
    }
  });
  await listen(server, opts.port ?? 0, 'Local Firehose');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    flush,
    accepted,
    async stop() {
      clearInterval(timer);
      await flush();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
