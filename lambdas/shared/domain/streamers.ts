/**
 * Streamer profile rules: keys, provisioning steps, stream key URL, editable stream details.
 * Pure: no AWS imports.
 */
import { z } from 'zod';

export type StreamStatus = 'OFFLINE' | 'LIVE';

/** The profile item (`USER#<userId>`/`PROFILE`) as the handlers and resolvers read and write it. */
export interface Profile {
  userId: string;
  handle: string;
  displayName?: string;
  status: StreamStatus;
  channelArn: string;
  playbackUrl: string;
  ingestEndpoint: string;
  chatRoomArn: string;
  title?: string;
  category?: string;
  tags: string[];
  language?: string;
  goingLiveMessage?: string;
  thumbnailUrl?: string;
  liveSince?: string;
  currentStreamId?: string;
  viewerCount?: number;
  peakViewers?: number;
  /** Likes of the stream now live (stream-state resets it at start, removes it at the end). */
  likes?: number;
  followerCount: number;
  featuredProductId?: string;
  lastEventAt?: string;
  /** While suspended (docs/safety.md): when it ends, INDEFINITE_UNTIL when an admin must lift it. */
  suspendedUntil?: string;
  suspendedAt?: string;
}

/**
 * What a provisioning run has created so far, stored after every step so a retry after a partial
 * failure resumes instead of creating a second channel or room.
 */
export interface ProvisioningRecord {
  userId: string;
  handle: string;
  channelArn?: string;
  playbackUrl?: string;
  ingestEndpoint?: string;
  streamKeyArn?: string;
  chatRoomArn?: string;
}

/**
 * Where a streamer's provisioning stands: PROVISIONING while a run holds the lease, READY once the
 * profile exists, FAILED when the last run gave up (the next provisionMe starts a new run).
 */
export type ProvisioningStatus = 'PROVISIONING' | 'READY' | 'FAILED';

/**
 * How long a run owns the provisioning record. Longer than the worker's timeout (60 s) so a live
 * run never loses its lease to a second one; a crashed run's lease lapses after it.
 */
export const PROVISIONING_LEASE_SECONDS = 300;

/** The lease a run holds on the provisioning record (`leaseId` fences its writes). */
export interface ProvisioningLease {
  status: ProvisioningStatus;
  leaseId?: string;
  leaseUntil?: number;
}

/** Whether a new run may take the record: nothing yet, the last run failed, or its lease lapsed. */
export function mayStartRun(lease: ProvisioningLease | undefined, nowMs: number): boolean {
  if (!lease) return true;
  if (lease.status === 'READY') return false;
  if (lease.status === 'FAILED') return true;
  return (lease.leaseUntil ?? 0) <= nowMs;
}

/**
 * Whether a runtime resource (IVS channel, chat room) belongs to this user on this platform: the
 * tags set at creation, which is how a run finds what a crashed run created but never recorded.
 */
export function ownedBy(tags: Record<string, string> | undefined, userId: string, resourceTag: string): boolean {
  return tags?.owner === userId && tags?.platform === resourceTag;
}

export type ProvisioningStep = 'CHANNEL' | 'STREAM_KEY' | 'CHAT_ROOM' | 'PROFILE';

/** The next step a provisioning run must perform, given what exists. */
export function nextProvisioningStep(record: ProvisioningRecord): ProvisioningStep {
  if (!record.channelArn || !record.ingestEndpoint || !record.playbackUrl) return 'CHANNEL';
  if (!record.streamKeyArn) return 'STREAM_KEY';
  if (!record.chatRoomArn) return 'CHAT_ROOM';
  return 'PROFILE';
}

/**
 * IVS channel and chat room names allow `[a-zA-Z0-9-_]`, up to 128 characters; the name is
 * deterministic so a retry can find a resource created by a run that failed before recording it.
 */
export function resourceName(resourceTag: string, userId: string): string {
  return `${resourceTag}-${userId}`.replace(/[^a-zA-Z0-9-_]/g, '-').slice(0, 128);
}

/** RTMPS ingest server for OBS, built from the channel's ingest endpoint. */
export function ingestServer(ingestEndpoint: string): string {
  return `rtmps://${ingestEndpoint}:443/app/`;
}

/** The owner-only stream key view. */
export interface StreamKeyView {
  ingestServer: string;
  streamKey: string;
  url: string;
  createdAt: string;
}

export function streamKeyView(ingestEndpoint: string, streamKey: string, createdAt: string): StreamKeyView {
  const server = ingestServer(ingestEndpoint);
  return { ingestServer: server, streamKey, url: server + streamKey, createdAt };
}

const optionalText = (max: number) => z.string().trim().max(max).optional();

/** Editable stream details (owner only). */
export const streamDetailsSchema = z
  .object({
    title: optionalText(140),
    category: z
      .string()
      .trim()
      .min(1)
      .max(40)
      .regex(/^[A-Za-z0-9 &-]+$/, 'Letters, digits, spaces, & and -')
      .optional(),
    tags: z
      .array(
        z
          .string()
          .trim()
          .min(1)
          .max(25)
          .regex(/^[A-Za-z0-9-]+$/, 'Tags are letters, digits and -'),
      )
      .max(10)
      .optional(),
    language: z
      .string()
      .regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'A language code like en or en-US')
      .optional(),
    goingLiveMessage: optionalText(280),
    thumbnailUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
    displayName: z.string().trim().min(1).max(50).optional(),
  })
  .strict();

export type StreamDetails = z.infer<typeof streamDetailsSchema>;

/** Tags are compared case-insensitively: store them lowercased and without duplicates. */
export function normalizeDetails(details: StreamDetails): StreamDetails {
  return details.tags ? { ...details, tags: [...new Set(details.tags.map((t) => t.toLowerCase()))] } : details;
}
