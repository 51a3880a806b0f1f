/**
 * Recording index rules: IVS "Recording State Change" events and the metadata files IVS writes
 * next to the media (`events/recording-started.json`, `events/recording-ended.json`) become one
 * Recording item. Pure: no AWS imports; the recording-state handler does the I/O.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { idFromBytes } from './ids';
import { RECORDINGS_PK, recordingKey, recordingPrefixKey, streamRecordingPk, userRecordingsPk } from './keys';
import { LATEST_THUMBNAIL_PATH } from './recording-paths';

export const RECORDING_STATUSES = [
  'Recording Start',
  'Recording End',
  'Recording Start Failure',
  'Recording End Failure',
] as const;
export type RecordingStatus = (typeof RECORDING_STATUSES)[number];

/** `detail` of an "IVS Recording State Change" EventBridge event (fields IVS documents). */
export const recordingEventDetailSchema = z.object({
  channel_name: z.string().optional(),
  stream_id: z.string().min(1),
  recording_status: z.enum(RECORDING_STATUSES),
  recording_status_reason: z.string().optional().default(''),
  recording_s3_bucket_name: z.string().min(1),
  recording_s3_key_prefix: z.string().min(1),
  recording_duration_ms: z.number().int().nonnegative().optional().default(0),
  recording_session_id: z.string().min(1),
  recording_session_stream_ids: z.array(z.string()).optional(),
});
export type RecordingEventDetail = z.infer<typeof recordingEventDetailSchema>;

/** The EventBridge envelope around it. */
export const recordingEventSchema = z.object({
  id: z.string().min(1),
  'detail-type': z.literal('IVS Recording State Change'),
  source: z.literal('aws.ivs'),
  time: z.string().min(1),
  resources: z.array(z.string()).min(1),
  detail: recordingEventDetailSchema,
});
export type RecordingEvent = z.infer<typeof recordingEventSchema>;

const renditionSchema = z.object({
  path: z.string().min(1),
  resolution_width: z.number().optional(),
  resolution_height: z.number().optional(),
});

/**
 * `events/recording-started.json` and `events/recording-ended.json` (IVS metadata schema v1).
 * Unknown fields are tolerated: IVS adds fields over time (byte-range playlists, thumbnail renditions).
 */
export const recordingMetadataSchema = z.object({
  channel_arn: z.string().optional(),
  recording_started_at: z.string().optional(),
  recording_ended_at: z.string().optional(),
  recording_status: z.string().optional(),
  media: z
    .object({
      hls: z
        .object({
          duration_ms: z.number().optional(),
          path: z.string().default('media/hls'),
          playlist: z.string().default('master.m3u8'),
          renditions: z.array(renditionSchema).optional(),
        })
        .optional(),
      thumbnails: z
        .object({
          path: z.string().default('media/thumbnails'),
          renditions: z.array(renditionSchema).optional(),
        })
        .optional(),
    })
    .optional(),
});
export type RecordingMetadata = z.infer<typeof recordingMetadataSchema>;

export type RecordingState = 'RECORDING' | 'AVAILABLE' | 'FAILED';

/** The Recording item's domain fields (keys and GSIs are added by `recordingItemKeys`). */
export interface RecordingFields {
  recordingId: string;
  userId: string;
  handle?: string;
  title?: string;
  channelArn: string;
  streamId: string;
  recordingSessionId: string;
  bucket: string;
  s3Prefix: string;
  state: RecordingState;
  /** Status reason IVS gave with a failure. */
  stateReason?: string;
  startedAt: string;
  endedAt?: string;
  durationMs?: number;
  renditions?: string[];
  thumbnailKey?: string;
  /** ISO time of the event that produced this state (diagnostics only). */
  lastEventAt: string;
}

/**
 * `rec_` + 20 Crockford base32 chars (100 bits) of SHA-256(recording_session_id): every event of
 * a session, in any order and any number of times, lands on the same item.
 */
export function recordingIdFromSession(recordingSessionId: string): string {
  return idFromBytes('rec', createHash('sha256').update(recordingSessionId).digest());
}

/** Deterministic id for a derived entity (e.g. a notification per recording and user). */
export function derivedId(kind: string, ...parts: string[]): string {
  return `${kind}_${recordingIdFromSession(parts.join('\u0000')).slice(4)}`;
}

/**
 * IVS prefix layout: `ivs/v1/<account>/<channel_id>/<y>/<m>/<d>/<h>/<min>/<recording_id>`.
 * Returns the recording's prefix for any key inside it, or undefined for keys outside that layout.
 */
export function recordingPrefixOfKey(key: string): string | undefined {
  const parts = key.replace(/^\/+/, '').split('/');
  if (parts.length < 11 || parts[0] !== 'ivs') return undefined;
  return parts.slice(0, 10).join('/');
}

/** IVS sends the prefix without a leading slash in events; normalise both forms. */
export function normalisePrefix(prefix: string): string {
  return prefix.replace(/^\/+/, '').replace(/\/+$/, '');
}

/** Rank for order safety: a later lifecycle state never gives way to an earlier one. */
const STATE_RANK: Record<RecordingState, number> = { RECORDING: 1, FAILED: 2, AVAILABLE: 3 };

export function stateOf(status: RecordingStatus): RecordingState {
  switch (status) {
    case 'Recording Start':
      return 'RECORDING';
    case 'Recording End':
      return 'AVAILABLE';
    case 'Recording Start Failure':
    case 'Recording End Failure':
      return 'FAILED';
  }
}

/** What one event (plus the metadata file IVS wrote for it, when readable) says about a recording. */
export interface RecordingObservation {
  userId: string;
  handle?: string;
  title?: string;
  channelArn: string;
  eventTime: string;
  detail: RecordingEventDetail;
  metadata?: RecordingMetadata;
}

function renditionsOf(metadata: RecordingMetadata | undefined): string[] | undefined {
  const list = metadata?.media?.hls?.renditions;
  return list && list.length > 0 ? list.map((r) => r.path) : undefined;
}

/**
 * The folder of the highest-resolution thumbnail rendition (the best picture for a card), ending in
 * `/`. The file names in it are what IVS wrote (`thumb0.jpg`, ... on IVS; a recorder may start
 * elsewhere): the recording-state function lists the folder and takes the first (firstThumbnail).
 */
export function thumbnailDirOf(prefix: string, metadata: RecordingMetadata | undefined): string | undefined {
  const thumbs = metadata?.media?.thumbnails;
  if (!thumbs) return undefined;
  const renditions = [...(thumbs.renditions ?? metadata?.media?.hls?.renditions ?? [])].sort(
    (a, b) => (b.resolution_height ?? 0) - (a.resolution_height ?? 0),
  );
  const first = renditions[0];
  return first ? `${prefix}/${thumbs.path}/${first.path}/` : `${prefix}/${thumbs.path}/`;
}

/** The lowest-numbered `thumb<n>.jpg` among listed keys (S3 lists thumb10 before thumb2), or undefined. */
export function firstThumbnail(keys: readonly string[]): string | undefined {
  let best: { key: string; n: number } | undefined;
  for (const key of keys) {
    const m = /\/thumb(\d+)\.jpg$/.exec(key);
    if (!m) continue;
    const n = Number(m[1]);
    if (!best || n < best.n) best = { key, n };
  }
  return best?.key;
}

/** The latest thumbnail's key in a recording, where IVS keeps it while the recording runs (LATEST_THUMBNAIL_PATH). */
export const latestThumbnailKey = (prefix: string): string => `${normalisePrefix(prefix)}/${LATEST_THUMBNAIL_PATH}`;

/** Fields one observation establishes, before merging with what is stored. */
export function observe(o: RecordingObservation): RecordingFields {
  const { detail, metadata } = o;
  const state = stateOf(detail.recording_status);
  const prefix = normalisePrefix(detail.recording_s3_key_prefix);
  const durationMs =
    metadata?.media?.hls?.duration_ms ?? (detail.recording_duration_ms > 0 ? detail.recording_duration_ms : undefined);
  const eventMs = Date.parse(o.eventTime);
  const startedAt =
    metadata?.recording_started_at ??
    (state === 'RECORDING' || durationMs === undefined ? o.eventTime : new Date(eventMs - durationMs).toISOString());
  const endedAt =
    state === 'RECORDING'
      ? undefined
      : (metadata?.recording_ended_at ?? (state === 'AVAILABLE' ? o.eventTime : undefined));
  const fields: RecordingFields = {
    recordingId: recordingIdFromSession(detail.recording_session_id),
    userId: o.userId,
    channelArn: o.channelArn,
    streamId: detail.stream_id,
    recordingSessionId: detail.recording_session_id,
    bucket: detail.recording_s3_bucket_name,
    s3Prefix: prefix,
    state,
    startedAt: new Date(startedAt).toISOString(),
    lastEventAt: o.eventTime,
  };
  if (o.handle !== undefined) fields.handle = o.handle;
  if (o.title !== undefined) fields.title = o.title;
  if (state === 'FAILED' && detail.recording_status_reason) fields.stateReason = detail.recording_status_reason;
  if (endedAt !== undefined) fields.endedAt = new Date(endedAt).toISOString();
  if (durationMs !== undefined && state !== 'RECORDING') fields.durationMs = durationMs;
  const renditions = renditionsOf(metadata);
  if (renditions) fields.renditions = renditions;
  return fields;
}

/**
 * Merges a new observation into the stored recording, order-safe: the state only moves forward
 * (RECORDING < FAILED < AVAILABLE), facts already known are kept unless the observation carries
 * better ones (the metadata file's start time beats an event time), and a stale Start never erases
 * the end, duration or renditions an earlier-processed End wrote.
 */
export function mergeRecording(stored: RecordingFields | undefined, next: RecordingFields): RecordingFields {
  if (!stored) return next;
  const forward = STATE_RANK[next.state] >= STATE_RANK[stored.state];
  const base = forward ? { ...stored, ...definedOnly(next) } : { ...next, ...definedOnly(stored) };
  // The earliest start seen wins: the metadata file's time is earlier than any event time for it.
  base.startedAt = stored.startedAt < next.startedAt ? stored.startedAt : next.startedAt;
  base.state = forward ? next.state : stored.state;
  return base;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** Key and index attributes of a Recording item (docs/data-model.md). */
export function recordingItemKeys(
  r: Pick<RecordingFields, 'recordingId' | 'userId' | 'streamId' | 'startedAt' | 'state'>,
): Record<string, string> {
  const keys: Record<string, string> = {
    ...recordingKey(r.recordingId),
    GSI1PK: userRecordingsPk(r.userId),
    GSI1SK: r.startedAt,
    GSI3PK: streamRecordingPk(r.streamId),
    GSI3SK: r.startedAt,
  };
  // Recent replays list only finished recordings: the index stays sparse.
  if (r.state === 'AVAILABLE') {
    keys.GSI2PK = RECORDINGS_PK;
    keys.GSI2SK = r.startedAt;
  }
  return keys;
}

/** Key of the lookup item mapping an S3 prefix to its recording (restore events carry only keys). */
export function prefixLookupKey(prefix: string): { PK: string; SK: string } {
  return recordingPrefixKey(normalisePrefix(prefix));
}

/** `<base>/<prefix>/media/hls/master.m3u8`, the HLS multivariant playlist IVS writes. */
export function masterPlaylistKey(prefix: string): string {
  return `${normalisePrefix(prefix)}/media/hls/master.m3u8`;
}

/** Joins the replay CDN base URL and an object key without doubling slashes. */
export function publicUrl(baseUrl: string, key: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${key.replace(/^\/+/, '')}`;
}
