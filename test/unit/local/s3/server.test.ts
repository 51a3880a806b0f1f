import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  PutObjectTaggingCommand,
  RestoreObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalS3, type LocalS3, type S3RestoreCompletedEvent } from '../../../../local/s3/index';

const BUCKET = 'recordings';
const PREFIX = 'ivs/v1/123456789012/AbCdef1G2hij/2020/6/23/20/12/j8Z9O91ndcVs';
let dataDir: string;
let s3local: LocalS3;
let client: S3Client;
const restored: S3RestoreCompletedEvent[] = [];
const previousEndpoint = process.env.AWS_ENDPOINT_URL_S3;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'local-s3-'));
  s3local = await startLocalS3({
    dataDir,
    port: 0,
    restoreDelayMs: 30,
    buckets: [BUCKET],
    onRestoreCompleted: (e) => void restored.push(e),
  });
  // Exactly what the local mode sets for the handlers: the standard endpoint variable, nothing else.
  process.env.AWS_ENDPOINT_URL_S3 = s3local.url;
  client = new S3Client({ region: 'us-east-1', credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
  // A recording written straight into the bucket directory, as the local IVS does.
  await mkdir(join(dataDir, BUCKET, PREFIX, 'media/hls/720p60'), { recursive: true });
  await writeFile(join(dataDir, BUCKET, PREFIX, 'media/hls/master.m3u8'), '#EXTM3U\n');
  await writeFile(join(dataDir, BUCKET, PREFIX, 'media/hls/720p60/0.ts'), Buffer.alloc(200 * 1024, 1));
  await writeFile(join(dataDir, BUCKET, PREFIX, 'media/hls/720p60/1.ts'), Buffer.alloc(200 * 1024, 2));
});

afterAll(async () => {
  client.destroy();
  await s3local.stop();
  await rm(dataDir, { recursive: true, force: true });
  if (previousEndpoint === undefined) delete process.env.AWS_ENDPOINT_URL_S3;
  else process.env.AWS_ENDPOINT_URL_S3 = previousEndpoint;
});

describe('local S3 through the real SDK client (AWS_ENDPOINT_URL_S3 only)', () => {
  it('uses path-style for the IP endpoint and serves files the bucket directory holds', async () => {
    const out = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/media/hls/master.m3u8` }));
    expect(await out.Body?.transformToString()).toBe('#EXTM3U\n');
    expect(out.ContentType).toBe('application/vnd.apple.mpegurl');
  });

  it('PutObject (SDK checksum trailer) round-trips, ranges work, DeleteObject removes', async () => {
    await client.send(
      new PutObjectCommand({ Bucket: BUCKET, Key: 'a/b.json', Body: '{"x":1}', ContentType: 'application/json' }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a/b.json' }));
    expect(await got.Body?.transformToString()).toBe('{"x":1}');
    const part = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a/b.json', Range: 'bytes=1-3' }));
    expect(await part.Body?.transformToString()).toBe('"x"');
    await client.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'a/b.json' }));
    await expect(client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a/b.json' }))).rejects.toMatchObject({
      name: 'NoSuchKey',
    });
  });

  it('ListObjectsV2 pages in key order with continuation tokens and delimiters', async () => {
    const first = await client.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/`, MaxKeys: 2 }));
    expect(first.Contents?.map((c) => c.Key)).toEqual([
      `${PREFIX}/media/hls/720p60/0.ts`,
      `${PREFIX}/media/hls/720p60/1.ts`,
    ]);
    expect(first.IsTruncated).toBe(true);
    const second = await client.send(
      new ListObjectsV2Command({
        Bucket: BUCKET,
        Prefix: `${PREFIX}/`,
        MaxKeys: 2,
        ContinuationToken: first.NextContinuationToken,
      }),
    );
    expect(second.Contents?.map((c) => c.Key)).toEqual([`${PREFIX}/media/hls/master.m3u8`]);
    expect(second.IsTruncated).toBe(false);
    const dirs = await client.send(
      new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${PREFIX}/media/hls/`, Delimiter: '/' }),
    );
    expect(dirs.CommonPrefixes?.map((p) => p.Prefix)).toEqual([`${PREFIX}/media/hls/720p60/`]);
    expect(first.Contents?.[0]?.Size).toBe(200 * 1024);
  });

  it('object tags: PutObjectTagging then GetObjectTagging', async () => {
    const Key = `${PREFIX}/media/hls/720p60/0.ts`;
    await client.send(
      new PutObjectTaggingCommand({
        Bucket: BUCKET,
        Key,
        Tagging: { TagSet: [{ Key: 'classification', Value: 'NO_SALES' }] },
      }),
    );
    const tags = await client.send(new GetObjectTaggingCommand({ Bucket: BUCKET, Key }));
    expect(tags.TagSet).toEqual([{ Key: 'classification', Value: 'NO_SALES' }]);
  });

  it('archived objects: HeadObject says so, GetObject refuses, RestoreObject restores and reports the S3 event', async () => {
    const Key = `${PREFIX}/media/hls/720p60/1.ts`;
    expect(await s3local.markArchived(BUCKET, `${PREFIX}/media/hls/720p60/`)).toBe(2);
    const head = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key }));
    expect(head).toMatchObject({ StorageClass: 'INTELLIGENT_TIERING', ArchiveStatus: 'ARCHIVE_ACCESS' });
    await expect(client.send(new GetObjectCommand({ Bucket: BUCKET, Key }))).rejects.toMatchObject({
      name: 'InvalidObjectState',
    });
    await expect(
      client.send(
        new RestoreObjectCommand({ Bucket: BUCKET, Key: `${PREFIX}/media/hls/master.m3u8`, RestoreRequest: {} }),
      ),
    ).rejects.toMatchObject({ name: 'InvalidObjectState' });

    await client.send(
      new RestoreObjectCommand({ Bucket: BUCKET, Key, RestoreRequest: { GlacierJobParameters: { Tier: 'Standard' } } }),
    );
    expect((await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key }))).Restore).toBe('ongoing-request="true"');
    await expect(
      client.send(new RestoreObjectCommand({ Bucket: BUCKET, Key, RestoreRequest: {} })),
    ).rejects.toMatchObject({ name: 'RestoreAlreadyInProgress' });

    await s3local.settled();
    const after = await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key }));
    expect(after.ArchiveStatus).toBeUndefined();
    expect(after.Restore).toBeUndefined();
    expect(restored).toHaveLength(1);
    expect(restored[0]?.Records[0]).toMatchObject({
      eventName: 'ObjectRestore:Completed',
      s3: { bucket: { name: BUCKET }, object: { key: Key, size: 200 * 1024 } },
    });
    const body = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key }));
    expect((await body.Body?.transformToByteArray())?.length).toBe(200 * 1024);
  });

  it('DeleteObjects removes several keys; keys cannot escape the bucket directory', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'tmp/1', Body: '1' }));
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'tmp/2', Body: '2' }));
    const out = await client.send(
      new DeleteObjectsCommand({ Bucket: BUCKET, Delete: { Objects: [{ Key: 'tmp/1' }, { Key: 'tmp/2' }] } }),
    );
    expect(out.Deleted?.map((d) => d.Key)).toEqual(['tmp/1', 'tmp/2']);
    const escape = await fetch(`${s3local.url}/${BUCKET}/..%2F..%2Fetc%2Fpasswd`);
    expect(escape.status).toBe(400);
  });

  it('the admin endpoint archives a prefix into Deep Archive Access', async () => {
    await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'deep/seg.ts', Body: Buffer.alloc(1024) }));
    const res = await fetch(`${s3local.url}/_local/archive?bucket=${BUCKET}&prefix=deep/&tier=DEEP_ARCHIVE_ACCESS`, {
      method: 'POST',
    });
    expect(await res.json()).toEqual({ archived: 1 });
    expect(await client.send(new HeadObjectCommand({ Bucket: BUCKET, Key: 'deep/seg.ts' }))).toMatchObject({
      ArchiveStatus: 'DEEP_ARCHIVE_ACCESS',
    });
    const bad = await fetch(`${s3local.url}/_local/archive?bucket=${BUCKET}&prefix=deep/&tier=GLACIER`, {
      method: 'POST',
    });
    expect(bad.status).toBe(400);
  });

  it('answers CORS preflights and plain GETs for the web player', async () => {
    const res = await fetch(`${s3local.url}/${BUCKET}/${PREFIX}/media/hls/master.m3u8`, {
      headers: { Origin: 'http://localhost:4321' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const pre = await fetch(`${s3local.url}/${BUCKET}/x`, {
      method: 'OPTIONS',
      headers: { 'Access-Control-Request-Headers': 'range' },
    });
    expect(pre.status).toBe(204);
  });
});
