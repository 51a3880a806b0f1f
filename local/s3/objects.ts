/**
 * The bucket and object operations of the local S3: ListObjectsV2, DeleteObjects, CreateBucket,
 * PutObject (plain and aws-chunked), GetObject (with Range), HeadObject, DeleteObject,
 * RestoreObject and object tagging.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isArchived, restoreHeader, type Restores } from './restores';
import { contentTypeFor, type BucketStore } from './store';
import { decodeAwsChunked, readBody, S3Error, sendXml, xmlEscape, xmlValues, XMLNS } from './xml';

/** One request after routing: method, bucket and key decoded, query parameters. */
export interface S3Request {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly method: string;
  readonly bucket: string;
  readonly key: string;
  readonly query: URLSearchParams;
}

/** A request on the bucket itself (no key). */
export async function handleBucket(store: BucketStore, r: S3Request): Promise<void> {
  const { method, bucket, query, res } = r;
  if (method === 'PUT') {
    await store.createBucket(bucket);
    res.writeHead(200, { Location: `/${bucket}` }).end();
    return;
  }
  if (!(await store.bucketExists(bucket)))
    throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist');
  if (method === 'HEAD') {
    res.writeHead(200).end();
    return;
  }
  if (method === 'GET') return listObjects(store, bucket, query, res);
  if (method === 'POST' && query.has('delete')) return deleteObjects(store, bucket, await readBody(r.req), res);
  throw new S3Error(405, 'MethodNotAllowed', `${method} on a bucket is not supported locally`);
}

/** A request on one object. */
export async function handleObject(store: BucketStore, restores: Restores, r: S3Request): Promise<void> {
  const { req, res, method, bucket, key, query } = r;
  if (method === 'PUT' && query.has('tagging')) return putTagging(store, r);
  if (method === 'PUT') return putObject(store, r);
  if (method === 'DELETE') {
    await store.delete(bucket, key);
    res.writeHead(204).end();
    return;
  }
  if (method === 'POST' && query.has('restore')) {
    await readBody(req);
    await restores.request(bucket, key);
    res.writeHead(202).end();
    return;
  }
  if (method === 'HEAD' || method === 'GET') return getObject(store, r);
  throw new S3Error(405, 'MethodNotAllowed', `${method} is not supported locally`);
}

async function putTagging(store: BucketStore, { req, res, bucket, key }: S3Request): Promise<void> {
  const body = (await readBody(req)).toString('utf8');
  const keys = xmlValues(body, 'Key');
  const values = xmlValues(body, 'Value');
  if (!(await store.info(bucket, key))) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
  const meta = await store.meta(bucket, key);
  await store.setMeta(bucket, key, { ...meta, tags: Object.fromEntries(keys.map((k, i) => [k, values[i] ?? ''])) });
  res.writeHead(200).end();
}

async function putObject(store: BucketStore, { req, res, bucket, key }: S3Request): Promise<void> {
  if (!(await store.bucketExists(bucket)))
    throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist');
  let body = await readBody(req);
  const encoding = String(req.headers['content-encoding'] ?? '');
  if (encoding.includes('aws-chunked') || req.headers['x-amz-decoded-content-length'] !== undefined)
    body = decodeAwsChunked(body);
  const storageClass = req.headers['x-amz-storage-class'] as string | undefined;
  const tagging = req.headers['x-amz-tagging'] as string | undefined;
  const info = await store.write(bucket, key, body, {
    contentType: (req.headers['content-type'] as string | undefined) ?? contentTypeFor(key),
    storageClass: storageClass && storageClass !== 'STANDARD' ? storageClass : undefined,
    tags: tagging ? Object.fromEntries(new URLSearchParams(tagging)) : undefined,
  });
  res.writeHead(200, { ETag: info.etag }).end();
}

async function getObject(store: BucketStore, { req, res, method, bucket, key, query }: S3Request): Promise<void> {
  const info = await store.info(bucket, key);
  if (!info) {
    if (method === 'HEAD') {
      res.writeHead(404).end();
      return;
    }
    throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
  }
  const meta = await store.meta(bucket, key);
  if (method === 'GET' && query.has('tagging')) {
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
  if (isArchived(meta))
    throw new S3Error(403, 'InvalidObjectState', "The operation is not valid for the object's access tier");
  const body = await store.read(bucket, key);
  const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
  if (range && (range[1] || range[2])) {
    const start = range[1] ? Number(range[1]) : Math.max(0, body.length - Number(range[2]));
    const end = range[1] && range[2] ? Math.min(Number(range[2]), body.length - 1) : body.length - 1;
    if (start > end || start >= body.length)
      throw new S3Error(416, 'InvalidRange', 'The requested range is not satisfiable');
    res
      .writeHead(206, {
        ...headers,
        'Content-Length': end - start + 1,
        'Content-Range': `bytes ${start}-${end}/${body.length}`,
      })
      .end(body.subarray(start, end + 1));
    return;
  }
  res.writeHead(200, { ...headers, 'Content-Length': body.length }).end(body);
}

async function listObjects(store: BucketStore, bucket: string, q: URLSearchParams, res: ServerResponse): Promise<void> {
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
  const items: string[] = [];
  for (const o of contents) {
    const storageClass = (await store.meta(bucket, o.key)).storageClass ?? 'STANDARD';
    items.push(
      `<Contents><Key>${xmlEscape(o.key)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xmlEscape(o.etag)}</ETag><Size>${o.size}</Size><StorageClass>${storageClass}</StorageClass></Contents>`,
    );
  }
  const prefixes = [...common].map((p) => `<CommonPrefixes><Prefix>${xmlEscape(p)}</Prefix></CommonPrefixes>`).join('');
  const next = truncated
    ? `<NextContinuationToken>${Buffer.from(last, 'utf8').toString('base64url')}</NextContinuationToken>`
    : '';
  const cont = token ? `<ContinuationToken>${xmlEscape(token)}</ContinuationToken>` : '';
  const delimiterXml = delimiter ? `<Delimiter>${xmlEscape(delimiter)}</Delimiter>` : '';
  sendXml(
    res,
    200,
    `<ListBucketResult xmlns="${XMLNS}"><Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix>${delimiterXml}<KeyCount>${contents.length + common.size}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${cont}${next}${items.join('')}${prefixes}</ListBucketResult>`,
  );
}

async function deleteObjects(store: BucketStore, bucket: string, body: Buffer, res: ServerResponse): Promise<void> {
  const keys = xmlValues(body.toString('utf8'), 'Key');
  for (const key of keys) await store.delete(bucket, key);
  sendXml(
    res,
    200,
    `<DeleteResult xmlns="${XMLNS}">${keys.map((k) => `<Deleted><Key>${xmlEscape(k)}</Key></Deleted>`).join('')}</DeleteResult>`,
  );
}
