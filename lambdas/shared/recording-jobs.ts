/**
 * Bulk work on a recording's S3 objects (restoring them from an archive tier, tagging them with
 * the recording's classification) runs off the request path, one ListObjectsV2 page per
 * invocation of the `recording-objects` worker. Each page is an EventBridge event on the stack's
 * jobs bus; the worker sends the next page's event when it has handled its own. The event shape is
 * declared here once: the enqueuers (replay, sale-markers), the worker and the catalog's rule use it.
 */
import { z } from 'zod';

/** EventBridge `source` of page events (custom sources must not start with `aws.`). */
export const RECORDING_JOBS_SOURCE = 'live-shopping.recordings';
/** EventBridge `detail-type` of page events. */
export const RECORDING_JOB_PAGE = 'Recording Objects Page';

const ARCHIVE_TIERS = ['ARCHIVE_ACCESS', 'DEEP_ARCHIVE_ACCESS', 'GLACIER', 'DEEP_ARCHIVE'] as const;
const CLASSIFICATIONS = ['HAS_SALES', 'NO_SALES', 'KEEP'] as const;

const common = {
  /** Identifies one pass over the recording; a page of an older pass stops when a newer one started. */
  jobId: z.string().min(1).max(64),
  recordingId: z.string().min(1).max(64),
  bucket: z.string().min(3).max(63),
  prefix: z.string().min(1).max(900),
  /** 0 for the first page; the worker sends page + 1 with the listing's continuation token. */
  page: z.number().int().min(0),
  token: z.string().min(1).max(4096).optional(),
};

export const recordingJobSchema = z.discriminatedUnion('action', [
  z.object({ action: z.literal('RESTORE'), tier: z.enum(ARCHIVE_TIERS), ...common }),
  z.object({ action: z.literal('TAG'), classification: z.enum(CLASSIFICATIONS), ...common }),
]);

/** One page of work on a recording's objects (the `detail` of a page event). */
export type RecordingJob = z.infer<typeof recordingJobSchema>;
