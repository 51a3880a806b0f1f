/**
 * Who may watch a stream (docs/safety.md, "Audience and playback authorization"): the streamer's
 * audience setting (public, followers only, or a private allow-list of handles), the preview
 * before going public, and 18+ marking. Pure rules with no imports, in the JavaScript subset
 * APPSYNC_JS runs (no regex, no classes), shared by the playback function, the chat token, the
 * replay function and the products and bids resolvers. The settings' input schema is beside it
 * (audience-settings.ts), so resolvers do not bundle zod.
 */

export const AUDIENCES = ['PUBLIC', 'FOLLOWERS', 'PRIVATE'] as const;
export type Audience = (typeof AUDIENCES)[number];

/** Most handles a private stream's allow-list holds. */
export const MAX_ALLOW_LIST = 200;

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
export function normalizeHandle(handle: string): string {
  const h = handle.trim();
  return (h.startsWith('@') ? h.slice(1) : h).toLowerCase();
}

/** Allow-list entries, normalized and without repeats. */
export function normalizeAllowList(handles: readonly string[]): string[] {
  const out: string[] = [];
  for (const raw of handles) {
    const h = normalizeHandle(raw);
    if (h !== '' && !out.includes(h)) out.push(h);
  }
  return out;
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
  if (audience === 'FOLLOWERS')
    return viewer.userId && viewer.follows ? { allowed: true } : { allowed: false, reason: 'FOLLOW_REQUIRED' };
  const handle = viewer.handle ? normalizeHandle(viewer.handle) : undefined;
  return handle && (fields.allowList ?? []).includes(handle)
    ? { allowed: true }
    : { allowed: false, reason: 'PRIVATE' };
}

/**
 * Whether the channel must require playback tokens for these settings. IVS refuses UpdateChannel
 * on a live channel, so the flag can only change while offline: a channel that may stream in
 * Preview or to a restricted audience is authorized before it goes live.
 */
export function needsAuthorization(settings: { audience: Audience; startInPreview: boolean }): boolean {
  return settings.audience !== 'PUBLIC' || settings.startInPreview;
}

/** The platform event Go public puts on the jobs bus: go-live-fanout alerts followers then, not at Preview. */
export const GO_PUBLIC_EVENT = { source: 'lvs.streams', detailType: 'Stream Went Public' } as const;
