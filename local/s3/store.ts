/**
 * The local bucket store: objects are plain files at `<dataDir>/<bucket>/<key>` (the layout the
 * local IVS writes recordings in), and what S3 keeps beside an object (tags, storage class,
 * archive and restore state, content type) lives in a sidecar JSON under `<dataDir>/.s3meta/`,
 * so files written straight into the bucket directory are served as ordinary objects.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';

/** Intelligent-Tiering archive tiers, as HeadObject's `x-amz-archive-status` names them. */
export type ArchiveStatus = 'ARCHIVE_ACCESS' | 'DEEP_ARCHIVE_ACCESS';

export interface ObjectMeta {
  contentType?: string;
  storageClass?: string;
  tags?: Record<string, string>;
  archiveStatus?: ArchiveStatus;
  /** Set while a restore runs or after a Glacier-class restore finished. */
  restore?: { ongoing: boolean; expiryDate?: string };
}

export interface ObjectInfo {
  key: string;
  size: number;
  lastModified: Date;
  etag: string;
}

const META_DIR = '.s3meta';

const CONTENT_TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.ts': 'video/mp2t',
  '.mp4': 'video/mp4',
  '.m4s': 'video/iso.segment',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.json': 'application/json',
  '.txt': 'text/plain',
};

export function contentTypeFor(key: string): string {
  const dot = key.lastIndexOf('.');
  return (dot >= 0 && CONTENT_TYPES[key.slice(dot).toLowerCase()]) || 'application/octet-stream';
}

/** Thrown for names that would leave the data directory or are not valid bucket names. */
export class InvalidNameError extends Error {}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export class BucketStore {
  constructor(readonly dataDir: string) {}

  bucketDir(bucket: string): string {
    if (!BUCKET_NAME.test(bucket)) throw new InvalidNameError(`Invalid bucket name ${bucket}`);
    return join(this.dataDir, bucket);
  }

  private inside(root: string, key: string): string {
    const path = resolve(root, key);
    if (!key || (path !== root && !path.startsWith(root + sep))) throw new InvalidNameError(`Invalid key ${key}`);
    return path;
  }

  objectPath(bucket: string, key: string): string {
    return this.inside(resolve(this.bucketDir(bucket)), key);
  }

  private metaPath(bucket: string, key: string): string {
    return `${this.inside(resolve(this.dataDir, META_DIR, bucket), key)}.json`;
  }

  async bucketExists(bucket: string): Promise<boolean> {
    try {
      return (await stat(this.bucketDir(bucket))).isDirectory();
    } catch {
      return false;
    }
  }

  async createBucket(bucket: string): Promise<void> {
    await mkdir(this.bucketDir(bucket), { recursive: true });
  }

  async info(bucket: string, key: string): Promise<ObjectInfo | undefined> {
    try {
      const s = await stat(this.objectPath(bucket, key));
      if (!s.isFile()) return undefined;
      return { key, size: s.size, lastModified: s.mtime, etag: etagOf(s.size, s.mtimeMs) };
    } catch (error) {
      if (error instanceof InvalidNameError) throw error;
      return undefined;
    }
  }

  async meta(bucket: string, key: string): Promise<ObjectMeta> {
    try {
      return JSON.parse(await readFile(this.metaPath(bucket, key), 'utf8')) as ObjectMeta;
    } catch {
      return {};
    }
  }

  async setMeta(bucket: string, key: string, meta: ObjectMeta): Promise<void> {
    const path = this.metaPath(bucket, key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, JSON.stringify(meta));
  }

  async read(bucket: string, key: string): Promise<Buffer> {
    return readFile(this.objectPath(bucket, key));
  }

  async write(bucket: string, key: string, body: Buffer, meta: ObjectMeta): Promise<ObjectInfo> {
    const path = this.objectPath(bucket, key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
    await this.setMeta(bucket, key, meta);
    const info = await this.info(bucket, key);
    if (!info) throw new Error(`Object ${key} vanished after writing`);
    return info;
  }

  async delete(bucket: string, key: string): Promise<void> {
    await rm(this.objectPath(bucket, key), { force: true });
    await rm(this.metaPath(bucket, key), { force: true });
  }

  /** Every key of the bucket in S3's (lexicographic) order. */
  async keys(bucket: string, prefix = ''): Promise<ObjectInfo[]> {
    const root = resolve(this.bucketDir(bucket));
    // Only walk the directory the prefix names, so listing one recording does not scan the bucket.
    const slash = prefix.lastIndexOf('/');
    const start = slash >= 0 ? this.inside(root, prefix.slice(0, slash)) : root;
    const out: ObjectInfo[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries;
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch {
        return;
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.isFile()) {
          const key = relative(root, path).split(sep).join('/');
          if (!key.startsWith(prefix)) continue;
          const s = await stat(path);
          out.push({ key, size: s.size, lastModified: s.mtime, etag: etagOf(s.size, s.mtimeMs) });
        }
      }
    };
    await walk(start);
    return out.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }
}

function etagOf(size: number, mtimeMs: number): string {
  return `"${createHash('md5').update(`${size}:${mtimeMs}`).digest('hex')}"`;
}
