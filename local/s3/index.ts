/**
 * Local S3: a small S3-compatible HTTP endpoint (path-style, no auth checks) over a bucket
 * directory, for the local mode. Handlers reach it through `AWS_ENDPOINT_URL_S3`; with an IP
 * endpoint such as http://127.0.0.1:<port> the SDK's endpoint rules pick path-style addressing on
 * their own (verified in test/unit/local/s3), so no client setting differs from AWS.
 *
 * Implements what the platform uses: GetObject (with Range), HeadObject (storage class, archive
 * status, restore headers), PutObject (plain and aws-chunked bodies), ListObjectsV2,
 * DeleteObject(s), RestoreObject (completes after `restoreDelayMs` and reports an
 * `ObjectRestore:Completed` S3 event), Get/PutObjectTagging, CreateBucket; plus `markArchived`
 * (also `POST /_local/archive?bucket=&prefix=&tier=`) to put objects into an archive tier.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { callerOf } from '../iam/caller';
import { AccessDeniedError, type Authorizer } from '../iam/evaluator';
import { s3Requests } from '../iam/requests';
import { handleBucket, handleObject } from './objects';
import { createRestores, type Restores, type S3RestoreCompletedEvent } from './restores';
import { BucketStore, InvalidNameError, type ArchiveStatus } from './store';
import { S3Error, sendXml, xmlEscape } from './xml';

export { BucketStore } from './store';
export type { ArchiveStatus, ObjectMeta } from './store';
export type { S3RestoreCompletedEvent } from './restores';
export { decodeAwsChunked } from './xml';

export interface LocalS3Options {
  /** Root of the buckets: `<dataDir>/<bucket>/<key>`. */
  dataDir: string;
  /** 0 or undefined: a free port. */
  port?: number;
  /** Called once per restored object with the S3 notification event (pass it to restore-completed). */
  onRestoreCompleted?: (event: S3RestoreCompletedEvent) => void | Promise<void>;
  /** How long a restore takes locally (AWS: hours). @default 2000 */
  restoreDelayMs?: number;
  /** When set, every call is authorized for its calling function (IAM in the local mode). */
  iam?: Authorizer;
  /** Region reported in events. @default 'us-east-1' */
  region?: string;
  /** Buckets created at start. */
  buckets?: string[];
}

export interface LocalS3 {
  /** http://127.0.0.1:<port> (use as AWS_ENDPOINT_URL_S3). */
  url: string;
  port: number;
  store: BucketStore;
  /** Puts every object under `prefix` (or the one key) into an archive tier, as Intelligent-Tiering would. */
  markArchived(bucket: string, prefix: string, tier?: ArchiveStatus): Promise<number>;
  /** Resolves when every restore started so far has completed and its callback returned. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the endpoint on 127.0.0.1. */
export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const store = new BucketStore(options.dataDir);
  await mkdir(options.dataDir, { recursive: true });
  for (const bucket of options.buckets ?? []) await store.createBucket(bucket);
  const restores = createRestores({
    store,
    region: options.region ?? 'us-east-1',
    delayMs: options.restoreDelayMs ?? 2000,
    onRestoreCompleted: options.onRestoreCompleted,
  });
  const server = createServer((req, res) => {
    route(store, restores, options.iam, req, res).catch((error: unknown) => sendError(req, res, error));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    store,
    markArchived: (bucket, prefix, tier) => restores.markArchived(bucket, prefix, tier),
    settled: () => restores.settled(),
    async stop() {
      await restores.stop();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

/** CORS, the local archive hook, path-style routing and the IAM check; then the bucket or object operation. */
async function route(
  store: BucketStore,
  restores: Restores,
  iam: Authorizer | undefined,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = req.method ?? 'GET';
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader(
    'Access-Control-Expose-Headers',
    'ETag, Content-Length, Content-Range, x-amz-storage-class, x-amz-archive-status, x-amz-restore',
  );
  if (method === 'OPTIONS') {
    res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, PUT, POST, DELETE');
    res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? '*');
    res.writeHead(204).end();
    return;
  }
  if (url.pathname === '/_local/archive' && method === 'POST') {
    const bucket = url.searchParams.get('bucket') ?? '';
    const tier = (url.searchParams.get('tier') ?? 'ARCHIVE_ACCESS') as ArchiveStatus;
    if (tier !== 'ARCHIVE_ACCESS' && tier !== 'DEEP_ARCHIVE_ACCESS')
      throw new S3Error(400, 'InvalidArgument', 'tier must be ARCHIVE_ACCESS or DEEP_ARCHIVE_ACCESS');
    const count = await restores.markArchived(bucket, url.searchParams.get('prefix') ?? '', tier);
    res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ archived: count }));
    return;
  }
  const path = url.pathname.replace(/^\/+/, '');
  const slash = path.indexOf('/');
  const bucket = decodeURIComponent(slash < 0 ? path : path.slice(0, slash));
  const key = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
  if (!bucket) throw new S3Error(400, 'InvalidRequest', 'Path-style requests only: /<bucket>/<key>');
  const query = url.searchParams;
  await iam?.enforce(callerOf(req), s3Requests(method, bucket, key, query));
  const request = { req, res, method, bucket, key, query };
  return key ? handleObject(store, restores, request) : handleBucket(store, request);
}

/** Any failure as S3 answers it: the XML error body (none for HEAD), or the end of a started response. */
function sendError(req: IncomingMessage, res: ServerResponse, error: unknown): void {
  const e =
    error instanceof S3Error
      ? error
      : error instanceof AccessDeniedError
        ? new S3Error(403, 'AccessDenied', error.message)
        : error instanceof InvalidNameError
          ? new S3Error(400, 'InvalidArgument', error.message)
          : new S3Error(500, 'InternalError', String(error));
  if (res.headersSent) {
    res.end();
    return;
  }
  if (req.method === 'HEAD') {
    res.writeHead(e.status).end();
    return;
  }
  sendXml(
    res,
    e.status,
    `<Error><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message><RequestId>local</RequestId></Error>`,
  );
}
