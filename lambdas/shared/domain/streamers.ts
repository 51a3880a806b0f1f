/**
 * Streamer profile rules: keys, provisioning steps, stream key URL, editable stream details.
 * Pure: no AWS imports.
 */
import { z } from 'zod';

export type StreamStatus = 'OFFLINE' | 'LIVE';

/** The profile item (`USER#<userId>`/`PROFILE`), shared contract across helpers. */
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
}

export { profileKey } from './keys';
export const streamKeyItemKey = (userId: string) => ({ PK: `USER#${userId}`, SK: 'STREAMKEY' }) as const;
export const provisioningKey = (userId: string) => ({ PK: `USER#${userId}`, SK: 'PROVISIONING' }) as const;
export const channelArnIndexKey = (channelArn: string) => ({ GSI2PK: `CHANNEL_ARN#${channelArn}`, GSI2SK: 'PROFILE' }) as const;

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
    category: z.string().trim().min(1).max(40).regex(/^[A-Za-z0-9 &-]+$/, 'Letters, digits, spaces, & and -').optional(),
    tags: z.array(z.string().trim().min(1).max(25).regex(/^[A-Za-z0-9-]+$/, 'Tags are letters, digits and -')).max(10).optional(),
    language: z.string().regex(/^[a-z]{2}(-[A-Z]{2})?$/, 'A language code like en or en-US').optional(),
    goingLiveMessage: optionalText(280),
    thumbnailUrl: z.url({ protocol: /^https?$/ }).max(2048).optional(),
    displayName: z.string().trim().min(1).max(50).optional(),
  })
  .strict();

export type StreamDetails = z.infer<typeof streamDetailsSchema>;

/** Tags are compared case-insensitively: store them lowercased and without duplicates. */
export function normalizeDetails(details: StreamDetails): StreamDetails {
  return details.tags ? { ...details, tags: [...new Set(details.tags.map((t) => t.toLowerCase()))] } : details;
}
