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
import { BucketStore, contentTypeFor, InvalidNameError, type ArchiveStatus, type ObjectMeta } from './store';

export { BucketStore } from './store';
export type { ArchiveStatus, ObjectMeta } from './store';

/** The S3 event notification IVS/S3 would deliver for a finished restore (`{ Records: [record] }`). */
export interface S3RestoreCompletedEvent {
  Records: {
    eventVersion: string;
    eventSource: 'aws:s3';
    awsRegion: string;
    eventTime: string;
    eventName: 'ObjectRestore:Completed';
    userIdentity: { principalId: string };
    requestParameters: { sourceIPAddress: string };
    responseElements: Record<string, string>;
    s3: {
      s3SchemaVersion: string;
      configurationId: string;
      bucket: { name: string; ownerIdentity: { principalId: string }; arn: string };
      object: { key: string; size: number; eTag: string; sequencer: string };
    };
    glacierEventData: { restoreEventData: { lifecycleRestorationExpiryTime: string; lifecycleRestoreStorageClass: string } };
  }[];
}

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

const XMLNS = 'http://s3.amazonaws.com/doc/2006-03-01/';

function xmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}

function xmlUnescape(value: string): string {
  return value.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
}

/** Values of every `<tag>...</tag>` in a small, trusted-shape XML body. */
function xmlValues(body: string, tag: string): string[] {
  const out: string[] = [];
  const re = new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, 'g');
  for (let m = re.exec(body); m; m = re.exec(body)) out.push(xmlUnescape(m[1] ?? ''));
  return out;
}

class S3Error extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Decodes an `aws-chunked` body (what the SDK sends when it adds a trailing checksum):
 * `<hex size>[;chunk-signature=...]\r\n<bytes>\r\n` ... `0\r\n<trailers>\r\n\r\n`.
 */
export function decodeAwsChunked(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < body.length) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = parseInt(body.subarray(offset, lineEnd).toString('latin1').split(';')[0] ?? '0', 16);
    if (!Number.isFinite(size) || size === 0) break;
    const start = lineEnd + 2;
    parts.push(body.subarray(start, start + size));
    offset = start + size + 2;
  }
  return Buffer.concat(parts);
}

function restoreHeader(meta: ObjectMeta): string | undefined {
  if (!meta.restore) return undefined;
  if (meta.restore.ongoing) return 'ongoing-request="true"';
  return meta.restore.expiryDate ? `ongoing-request="false", expiry-date="${meta.restore.expiryDate}"` : undefined;
}

function isArchived(meta: ObjectMeta): boolean {
  const glacier = meta.storageClass === 'GLACIER' || meta.storageClass === 'DEEP_ARCHIVE';
  return meta.archiveStatus !== undefined || (glacier && !(meta.restore && !meta.restore.ongoing));
}

/** S3 notifications URL-encode keys form-style, keeping '/' readable. */
function eventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

/** Starts the endpoint on 127.0.0.1. */
export async function startLocalS3(options: LocalS3Options): Promise<LocalS3> {
  const store = new BucketStore(options.dataDir);
  await mkdir(options.dataDir, { recursive: true });
  for (const bucket of options.buckets ?? []) await store.createBucket(bucket);
  const delay = options.restoreDelayMs ?? 2000;
  const region = options.region ?? 'us-east-1';
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let sequence = 0;

  async function completeRestore(bucket: string, key: string): Promise<void> {
    const meta = await store.meta(bucket, key);
    const info = await store.info(bucket, key);
    if (!info) return;
    const glacier = meta.storageClass === 'GLACIER' || meta.storageClass === 'DEEP_ARCHIVE';
    const expiry = new Date(Date.now() + 7 * 86_400_000);
    // A restored Intelligent-Tiering object moves back to Frequent Access; Glacier classes keep a temporary copy.
    const next: ObjectMeta = glacier
      ? { ...meta, restore: { ongoing: false, expiryDate: expiry.toUTCString() } }
      : { ...meta, archiveStatus: undefined, restore: undefined };
    await store.setMeta(bucket, key, next);
    sequence++;
    const event: S3RestoreCompletedEvent = {
      Records: [
        {
          eventVersion: '2.1',
          eventSource: 'aws:s3',
          awsRegion: region,
          eventTime: new Date().toISOString(),
          eventName: 'ObjectRestore:Completed',
          userIdentity: { principalId: 'AmazonCustomer:LOCAL' },
          requestParameters: { sourceIPAddress: 's3.amazonaws.com' },
          responseElements: { 'x-amz-request-id': `LOCAL${sequence}`, 'x-amz-id-2': 'local' },
          s3: {
            s3SchemaVersion: '1.0',
            configurationId: 'local-restore-completed',
            bucket: { name: bucket, ownerIdentity: { principalId: 'LOCAL' }, arn: `arn:aws:s3:::${bucket}` },
            object: { key: eventKey(key), size: info.size, eTag: info.etag.replace(/"/g, ''), sequencer: sequence.toString(16).toUpperCase().padStart(18, '0') },
          },
          glacierEventData: {
            restoreEventData: {
              lifecycleRestorationExpiryTime: glacier ? expiry.toISOString() : '1970-01-01T00:00:00.000Z',
              lifecycleRestoreStorageClass: meta.storageClass ?? 'INTELLIGENT_TIERING',
            },
          },
        },
      ],
    };
    await options.onRestoreCompleted?.(event);
  }

  function scheduleRestore(bucket: string, key: string): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      const work = completeRestore(bucket, key)
        .catch((error: unknown) => process.emitWarning(`local S3 restore of ${key} failed: ${String(error)}`))
        .finally(() => running.delete(work));
      running.add(work);
    }, delay);
    timers.add(timer);
  }

  async function markArchived(bucket: string, prefix: string, tier: ArchiveStatus = 'ARCHIVE_ACCESS'): Promise<number> {
    const objects = await store.keys(bucket, prefix);
    for (const o of objects) {
      const meta = await store.meta(bucket, o.key);
      await store.setMeta(bucket, o.key, { ...meta, storageClass: 'INTELLIGENT_TIERING', archiveStatus: tier, restore: undefined });
    }
    return objects.length;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = req.method ?? 'GET';
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', 'ETag, Content-Length, Content-Range, x-amz-storage-class, x-amz-archive-status, x-amz-restore');
    if (method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, PUT, POST, DELETE');
      res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? '*');
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === '/_local/archive' && method === 'POST') {
      const bucket = url.searchParams.get('bucket') ?? '';
      const tier = (url.searchParams.get('tier') ?? 'ARCHIVE_ACCESS') as ArchiveStatus;
      if (tier !== 'ARCHIVE_ACCESS' && tier !== 'DEEP_ARCHIVE_ACCESS') throw new S3Error(400, 'InvalidArgument', 'tier must be ARCHIVE_ACCESS or DEEP_ARCHIVE_ACCESS');
      const count = await markArchived(bucket, url.searchParams.get('prefix') ?? '', tier);
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ archived: count }));
      return;
    }
    const path = url.pathname.replace(/^\/+/, '');
    const slash = path.indexOf('/');
    const bucket = decodeURIComponent(slash < 0 ? path : path.slice(0, slash));
    const key = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
    if (!bucket) throw new S3Error(400, 'InvalidRequest', 'Path-style requests only: /<bucket>/<key>');
    const q = url.searchParams;
    await options.iam?.enforce(callerOf(req), s3Requests(method, bucket, key, q));

    if (!key) {
      if (method === 'PUT') {
        await store.createBucket(bucket);
        res.writeHead(200, { Location: `/${bucket}` }).end();
        return;
      }
      if (!(await store.bucketExists(bucket))) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist');
      if (method === 'HEAD') {
        res.writeHead(200).end();
        return;
      }
      if (method === 'GET') return listObjects(bucket, q, res);
      if (method === 'POST' && q.has('delete')) return deleteObjects(bucket, await readBody(req), res);
      throw new S3Error(405, 'MethodNotAllowed', `${method} on a bucket is not supported locally`);
    }

    if (method === 'PUT' && q.has('tagging')) {
      const body = (await readBody(req)).toString('utf8');
      const keys = xmlValues(body, 'Key');
      const values = xmlValues(body, 'Value');
      if (!(await store.info(bucket, key))) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
      const meta = await store.meta(bucket, key);
      await store.setMeta(bucket, key, { ...meta, tags: Object.fromEntries(keys.map((k, i) => [k, values[i] ?? ''])) });
      res.writeHead(200).end();
      return;
    }
    if (method === 'PUT') {
      if (!(await store.bucketExists(bucket))) throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist');
      let body = await readBody(req);
      const encoding = String(req.headers['content-encoding'] ?? '');
      if (encoding.includes('aws-chunked') || req.headers['x-amz-decoded-content-length'] !== undefined) body = decodeAwsChunked(body);
      const storageClass = req.headers['x-amz-storage-class'] as string | undefined;
      const tagging = req.headers['x-amz-tagging'] as string | undefined;
      const info = await store.write(bucket, key, body, {
        contentType: (req.headers['content-type'] as string | undefined) ?? contentTypeFor(key),
        storageClass: storageClass && storageClass !== 'STANDARD' ? storageClass : undefined,
        tags: tagging ? Object.fromEntries(new URLSearchParams(tagging)) : undefined,
      });
      res.writeHead(200, { ETag: info.etag }).end();
      return;
    }
    if (method === 'DELETE') {
      await store.delete(bucket, key);
      res.writeHead(204).end();
      return;
    }
    if (method === 'POST' && q.has('restore')) {
      await readBody(req);
      if (!(await store.info(bucket, key))) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
      const meta = await store.meta(bucket, key);
      if (meta.restore?.ongoing) throw new S3Error(409, 'RestoreAlreadyInProgress', 'Object restore is already in progress');
      if (!isArchived(meta)) throw new S3Error(403, 'InvalidObjectState', 'Restore is not allowed for the object\'s current storage class');
      await store.setMeta(bucket, key, { ...meta, restore: { ongoing: true } });
      scheduleRestore(bucket, key);
      res.writeHead(202).end();
      return;
    }

    const info = await store.info(bucket, key);
    if (method === 'HEAD' || method === 'GET') {
      if (!info) {
        if (method === 'HEAD') {
          res.writeHead(404).end();
          return;
        }
        throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
      }
      const meta = await store.meta(bucket, key);
      if (method === 'GET' && q.has('tagging')) {
        const tags = Object.entries(meta.tags ?? {})
          .map(([k, v]) => `<Tag><Key>${xmlEscape(k)}</Key><Value>${xmlEscape(v)}</Value></Tag>`)
          .join('');
        sendXml(res, 200, `<Tagging xmlns="${XMLNS}"><TagSet>${tags}</TagSet></Tagging>`);
        return;
      }
      const headers: Record<string, string | number> = {
        'Content-Type': meta.contentType ?? contentTypeFor(key),
        ETag: info.etag,
        'Last-Modified': info.lastModified.toUTCString(),
        'Accept-Ranges': 'bytes',
      };
      if (meta.storageClass) headers['x-amz-storage-class'] = meta.storageClass;
      if (meta.archiveStatus) headers['x-amz-archive-status'] = meta.archiveStatus;
      const restore = restoreHeader(meta);
      if (restore) headers['x-amz-restore'] = restore;
      if (meta.tags && Object.keys(meta.tags).length > 0) headers['x-amz-tagging-count'] = Object.keys(meta.tags).length;
      if (method === 'HEAD') {
        res.writeHead(200, { ...headers, 'Content-Length': info.size }).end();
        return;
      }
      if (isArchived(meta)) throw new S3Error(403, 'InvalidObjectState', 'The operation is not valid for the object\'s access tier');
      const body = await store.read(bucket, key);
      const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
      if (range && (range[1] || range[2])) {
        const start = range[1] ? Number(range[1]) : Math.max(0, body.length - Number(range[2]));
        const end = range[1] && range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
        if (start > end || start >= body.length) throw new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable');
        res.writeHead(206, { ...headers, 'Content-Length': end - start + 1, 'Content-Range': `bytes ${start}-${end}/${body.length}` }).end(body.subarray(start, end + 1));
        return;
      }
      res.writeHead(200, { ...headers, 'Content-Length': body.length }).end(body);
      return;
    }
    throw new S3Error(405, 'MethodNotAllowed', `${method} is not supported locally`);
  }

  async function listObjects(bucket: string, q: URLSearchParams, res: ServerResponse): Promise<void> {
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const maxKeys = Math.min(Number(q.get('max-keys') ?? 1000) || 1000, 1000);
    const token = q.get('continuation-token');
    const after = token ? Buffer.from(token, 'base64url').toString('utf8') : (q.get('start-after') ?? '');
    const all = (await store.keys(bucket, prefix)).filter((o) => o.key > after);
    const contents: typeof all = [];
    const common = new Set<string>();
    let last = '';
    let truncated = false;
    for (const o of all) {
      if (contents.length + common.size >= maxKeys) {
        truncated = true;
        break;
      }
      const rest = o.key.slice(prefix.length);
      const cut = delimiter ? rest.indexOf(delimiter) : -1;
      if (cut >= 0) common.add(prefix + rest.slice(0, cut + delimiter.length));
      else contents.push(o);
      last = o.key;
    }
    const storageClassOf = async (k: string) => (await store.meta(bucket, k)).storageClass ?? 'STANDARD';
    const items: string[] = [];
    for (const o of contents) {
      items.push(
        `<Contents><Key>${xmlEscape(o.key)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xmlEscape(o.etag)}</ETag><Size>${o.size}</Size><StorageClass>${await storageClassOf(o.key)}</StorageClass></Contents>`,
      );
    }
    const prefixes = [...common].map((p) => `<CommonPrefixes><Prefix>${xmlEscape(p)}</Prefix></CommonPrefixes>`).join('');
    const next = truncated ? `<NextContinuationToken>${Buffer.from(last, 'utf8').toString('base64url')}</NextContinuationToken>` : '';
    const cont = token ? `<ContinuationToken>${xmlEscape(token)}</ContinuationToken>` : '';
    sendXml(
      res,
      200,
      `<ListBucketResult xmlns="${XMLNS}"><Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix>${delimiter ? `<Delimiter>${xmlEscape(delimiter)}</Delimiter>` : ''}<KeyCount>${contents.length + common.size}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${cont}${next}${items.join('')}${prefixes}</ListBucketResult>`,
    );
  }

  async function deleteObjects(bucket: string, body: Buffer, res: ServerResponse): Promise<void> {
    const keys = xmlValues(body.toString('utf8'), 'Key');
    for (const key of keys) await store.delete(bucket, key);
    sendXml(res, 200, `<DeleteResult xmlns="${XMLNS}">${keys.map((k) => `<Deleted><Key>${xmlEscape(k)}</Key></Deleted>`).join('')}</DeleteResult>`);
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
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
      sendXml(res, e.status, `<Error><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message><RequestId>local</RequestId></Error>`);
    });
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
    markArchived,
    async settled() {
      while (timers.size > 0 || running.size > 0) {
        await Promise.all([...running]);
        if (timers.size > 0) await new Promise((r) => setTimeout(r, Math.min(50, delay)));
      }
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all([...running]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function sendXml(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'application/xml' }).end(`<?xml version="1.0" encoding="UTF-8"?>\n${body}`);
}
