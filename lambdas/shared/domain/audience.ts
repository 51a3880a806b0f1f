/**
 * Who may watch a stream (docs/safety.md, "Audience and playback authorization"): the streamer's
 * audience setting (public, followers only, or a private allow-list of handles), the preview
 * before going public, and 18+ marking. Pure rules, shared by the playback function, the chat
 * token and the web app's wording.
 */
import { z } from 'zod';

export const AUDIENCES = ['PUBLIC', 'FOLLOWERS', 'PRIVATE'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** Most handles a private stream's allow-list holds. */
export const MAX_ALLOW_LIST = 200;

/** The audience settings as a streamer edits them in Studio (the mutation's input). */
export const audienceSettingsSchema = z.object({
  audience: z.enum(AUDIENCES),
  allowList: z.array(z.string().trim().min(1).max(40)).max(MAX_ALLOW_LIST, `At most ${MAX_ALLOW_LIST} handles can be on the list.`).default([]),
  ageRestricted: z.boolean().default(false),
  startInPreview: z.boolean().default(false),
});
export type AudienceSettings = z.infer<typeof audienceSettingsSchema>;

/** What a profile item holds of the settings (absent attributes = a public, unrestricted stream). */
export interface AudienceFields {
  audience?: Audience;
  allowList?: string[];
  ageRestricted?: boolean;
  startInPreview?: boolean;
  /** Set while the current stream is in Preview (only the owner can play it). */
  inPreview?: boolean;
}

/** The viewer as the rules see them. */
export interface Viewer {
  userId?: string;
  handle?: string;
  isAdmin?: boolean;
  /** Whether the viewer follows the streamer. */
  follows?: boolean;
}

/**
 * Why a viewer may not watch: they must sign in and follow, they are not on the private list,
 * or the stream is still in Preview.
 */
export type WatchRefusal = 'FOLLOW_REQUIRED' | 'PRIVATE' | 'PREVIEW';

/** What a viewer is told when refused, by reason (one wording for every refusal site). */
export const WATCH_REFUSALS: Record<WatchRefusal, string> = {
  FOLLOW_REQUIRED: 'This stream is for followers: follow the channel to watch and chat.',
  PRIVATE: 'This stream is private.',
  PREVIEW: 'This stream is in Preview: it starts for everyone when the streamer goes public.',
};

export type WatchVerdict = { allowed: true } | { allowed: false; reason: WatchRefusal };

/** Handles compare case-insensitively (the `HANDLE#<lowercased>` claim), without a leading @. */
export const normalizeHandle = (handle: string): string => handle.trim().replace(/^@/, '').toLowerCase();

/** Allow-list entries, normalized and without repeats. */
export function normalizeAllowList(handles: readonly string[]): string[] {
  return [...new Set(handles.map(normalizeHandle).filter((h) => h !== ''))];
}

/**
 * Whether `viewer` may watch `streamerId`'s stream (video, chat, products, bids): the owner and
 * platform admins always; in Preview nobody else; then by audience.
 */
export function watchVerdict(streamerId: string, fields: AudienceFields, viewer: Viewer): WatchVerdict {
  if (viewer.userId && (viewer.userId === streamerId || viewer.isAdmin)) return { allowed: true };
  if (fields.inPreview) return { allowed: false, reason: 'PREVIEW' };
  const audience = fields.audience ?? 'PUBLIC';
  if (audience === 'PUBLIC') return { allowed: true };
  if (audience === 'FOLLOWERS') return viewer.userId && viewer.follows ? { allowed: true } : { allowed: false, reason: 'FOLLOW_REQUIRED' };
  const handle = viewer.handle ? normalizeHandle(viewer.handle) : undefined;
  return handle && (fields.allowList ?? []).includes(handle) ? { allowed: true } : { allowed: false, reason: 'PRIVATE' };
}

/**
 * Whether the channel must require playback tokens for these settings. IVS refuses UpdateChannel
 * on a live channel, so the flag can only change while offline: a channel that may stream in
 * Preview or to a restricted audience is authorized before it goes live.
 */
export function needsAuthorization(settings: Pick<AudienceSettings, 'audience' | 'startInPreview'>): boolean {
  return settings.audience !== 'PUBLIC' || settings.startInPreview;
}

/** The platform event Go public puts on the jobs bus: go-live-fanout alerts followers then, not at Preview. */
export const GO_PUBLIC_EVENT = { source: 'lvs.streams', detailType: 'Stream Went Public' } as const;
