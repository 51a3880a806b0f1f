/**
 * Archive tiers and restores in the local S3: objects put into an archive tier (as
 * Intelligent-Tiering would), RestoreObject completing after a delay, and the
 * `ObjectRestore:Completed` S3 event it then reports.
 */
import type { BucketStore, ArchiveStatus, ObjectMeta } from './store';
import { S3Error } from './xml';

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
    glacierEventData: {
      restoreEventData: { lifecycleRestorationExpiryTime: string; lifecycleRestoreStorageClass: string };
    };
  }[];
}

export interface RestoresOptions {
  readonly store: BucketStore;
  readonly region: string;
  /** How long a restore takes locally (AWS: hours). */
  readonly delayMs: number;
  /** Called once per restored object with the S3 notification event. */
  readonly onRestoreCompleted?: (event: S3RestoreCompletedEvent) => void | Promise<void>;
}

/** Restores in flight, and the archive-tier operations of the local S3. */
export interface Restores {
  /** RestoreObject: refuses objects not archived or already restoring, then completes after the delay. */
  request(bucket: string, key: string): Promise<void>;
  /** Puts every object under `prefix` (or the one key) into an archive tier. */
  markArchived(bucket: string, prefix: string, tier?: ArchiveStatus): Promise<number>;
  /** Resolves when every restore started so far has completed and its callback returned. */
  settled(): Promise<void>;
  /** Cancels pending restores and waits for running ones. */
  stop(): Promise<void>;
}

/** The `x-amz-restore` header for an object's restore state. */
export function restoreHeader(meta: ObjectMeta): string | undefined {
  if (!meta.restore) return undefined;
  if (meta.restore.ongoing) return 'ongoing-request="true"';
  return meta.restore.expiryDate ? `ongoing-request="false", expiry-date="${meta.restore.expiryDate}"` : undefined;
}

/** Whether reading the object needs a restore first. */
export function isArchived(meta: ObjectMeta): boolean {
  const glacier = meta.storageClass === 'GLACIER' || meta.storageClass === 'DEEP_ARCHIVE';
  return meta.archiveStatus !== undefined || (glacier && !(meta.restore && !meta.restore.ongoing));
}

/** S3 notifications URL-encode keys form-style, keeping '/' readable. */
function eventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}

/** The restore machinery of one local S3 endpoint. */
export function createRestores(options: RestoresOptions): Restores {
  const { store, region, delayMs } = options;
  const timers = new Set<NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let sequence = 0;

  async function complete(bucket: string, key: string): Promise<void> {
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
    await options.onRestoreCompleted?.({
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
            object: {
              key: eventKey(key),
              size: info.size,
              eTag: info.etag.replace(/"/g, ''),
              sequencer: sequence.toString(16).toUpperCase().padStart(18, '0'),
            },
          },
          glacierEventData: {
            restoreEventData: {
              lifecycleRestorationExpiryTime: glacier ? expiry.toISOString() : '1970-01-01T00:00:00.000Z',
              lifecycleRestoreStorageClass: meta.storageClass ?? 'INTELLIGENT_TIERING',
            },
          },
        },
      ],
    });
  }

  function schedule(bucket: string, key: string): void {
    const timer = setTimeout(() => {
      timers.delete(timer);
      const work = complete(bucket, key)
        .catch((error: unknown) => process.emitWarning(`local S3 restore of ${key} failed: ${String(error)}`))
        .finally(() => running.delete(work));
      running.add(work);
    }, delayMs);
    timers.add(timer);
  }

  return {
    async request(bucket, key) {
      if (!(await store.info(bucket, key))) throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
      const meta = await store.meta(bucket, key);
      if (meta.restore?.ongoing)
        throw new S3Error(409, 'RestoreAlreadyInProgress', 'Object restore is already in progress');
      if (!isArchived(meta))
        throw new S3Error(403, 'InvalidObjectState', "Restore is not allowed for the object's current storage class");
      await store.setMeta(bucket, key, { ...meta, restore: { ongoing: true } });
      schedule(bucket, key);
    },
    async markArchived(bucket, prefix, tier = 'ARCHIVE_ACCESS') {
      const objects = await store.keys(bucket, prefix);
      for (const o of objects) {
        const meta = await store.meta(bucket, o.key);
        await store.setMeta(bucket, o.key, {
          ...meta,
          storageClass: 'INTELLIGENT_TIERING',
          archiveStatus: tier,
          restore: undefined,
        });
      }
      return objects.length;
    },
    async settled() {
      while (timers.size > 0 || running.size > 0) {
        await Promise.all([...running]);
        if (timers.size > 0) await new Promise((r) => setTimeout(r, Math.min(50, delayMs)));
      }
    },
    async stop() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all([...running]);
    },
  };
}
