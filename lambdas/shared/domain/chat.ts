/**
 * Chat rules, pure: roles and token capabilities, the message review decision (length, blocked
 * words, bans, timeouts, slow mode), settings validation and moderation log entries.
 */
import type { ChatSettings as ApiChatSettings } from '../api-types';
import { DomainError } from '../errors';

export type ChatRole = 'VIEWER' | 'MODERATOR' | 'STREAMER';
export type Capability = 'SEND_MESSAGE' | 'DELETE_MESSAGE' | 'DISCONNECT_USER';
export type BlockedWordsAction = 'MASK' | 'DENY';
export type ModerationAction =
  | 'DELETE_MESSAGE'
  | 'TIMEOUT'
  | 'BAN'
  | 'UNBAN'
  | 'ADD_MODERATOR'
  | 'REMOVE_MODERATOR'
  | 'SLOW_MODE'
  | 'BLOCKED_WORDS'
  | 'LIFT_TIMEOUT'
  | 'PINNED_MESSAGE';

export const CHAT_LIMITS = {
  maxMessageLength: 500,
  maxBlockedWords: 200,
  maxBlockedWordLength: 40,
  maxSlowModeSeconds: 300,
  maxTimeoutSeconds: 7 * 24 * 3600,
  maxPinnedLength: 200,
  /** Chat sessions last at most 180 minutes in IVS Chat. */
  sessionMinutes: 180,
} as const;

/**
 * A channel's chat settings: the API's ChatSettings (lambdas/shared/api-types.ts, generated from the
 * schema), as stored with the room they apply to. A stored item may lack the nullable fields.
 */
export type ChatSettings = Omit<
  ApiChatSettings,
  'autoSlowModeViewerThreshold' | 'autoSlowModeSeconds' | 'pinnedMessage'
> &
  Partial<Pick<ApiChatSettings, 'autoSlowModeViewerThreshold' | 'autoSlowModeSeconds' | 'pinnedMessage'>> & {
    chatRoomArn?: string;
  };

/** Per user per channel: the state the review handler needs in one item. */
export interface MemberState {
  bannedAt?: string;
  timeoutUntil?: string;
  lastMessageAt?: string;
}

export function roleOf(userId: string | undefined, channelId: string, isModerator: boolean): ChatRole {
  if (userId === channelId) return 'STREAMER';
  return isModerator ? 'MODERATOR' : 'VIEWER';
}

/**
 * Viewers send; the streamer and moderators also delete messages and disconnect users; guests read
 * only. A caller whose timeout is running gets no SEND_MESSAGE: IVS Chat itself then refuses their
 * messages, so the timeout holds even when the review handler misses its deadline and the room's
 * fallback (ALLOW) lets messages through unreviewed (docs/decisions/chat-review-fallback.md).
 */
export function capabilitiesFor(role: ChatRole | 'GUEST', opts: { timedOut?: boolean } = {}): Capability[] {
  if (role === 'GUEST') return [];
  const all: Capability[] =
    role === 'VIEWER' ? ['SEND_MESSAGE'] : ['SEND_MESSAGE', 'DELETE_MESSAGE', 'DISCONNECT_USER'];
  return opts.timedOut ? all.filter((c) => c !== 'SEND_MESSAGE') : all;
}

export function canModerate(role: ChatRole): boolean {
  return role === 'STREAMER' || role === 'MODERATOR';
}

/** Effective cooldown: the streamer's slow mode, or the automatic one once viewers pass the threshold. */
export function effectiveCooldownSeconds(settings: ChatSettings, viewerCount: number): number {
  const auto =
    settings.autoSlowModeViewerThreshold != null &&
    settings.autoSlowModeSeconds != null &&
    viewerCount >= settings.autoSlowModeViewerThreshold
      ? settings.autoSlowModeSeconds
      : 0;
  return Math.max(settings.slowModeSeconds, auto);
}

const escapeRe = (w: string) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A matcher for the blocked words (whole words, case-insensitive); undefined when there are none. */
export function blockedWordsPattern(words: readonly string[]): RegExp | undefined {
  const clean = words.map((w) => w.trim()).filter(Boolean);
  if (!clean.length) return undefined;
  return new RegExp(`(?<![\\p{L}\\p{N}])(?:${clean.map(escapeRe).join('|')})(?![\\p{L}\\p{N}])`, 'giu');
}

export type ReviewDecision =
  | { result: 'ALLOW'; content: string }
  | {
      result: 'DENY';
      reason: string;
      code: 'EMPTY' | 'TOO_LONG' | 'BLOCKED_WORD' | 'BANNED' | 'TIMED_OUT' | 'SLOW_MODE';
      retryAfterSeconds?: number;
    };

/** Content checks that need no state: empty, too long, blocked words (mask or deny). */
export function reviewContent(content: string, settings: ChatSettings, pattern: RegExp | undefined): ReviewDecision {
  const text = content.trim();
  if (!text) return { result: 'DENY', code: 'EMPTY', reason: 'Type a message first.' };
  const max = Math.min(settings.maxMessageLength || CHAT_LIMITS.maxMessageLength, CHAT_LIMITS.maxMessageLength);
  if ([...text].length > max)
    return { result: 'DENY', code: 'TOO_LONG', reason: `Messages can be at most ${max} characters.` };
  if (pattern) {
    pattern.lastIndex = 0;
    if (pattern.test(text)) {
      if (settings.blockedWordsAction === 'DENY') {
        return {
          result: 'DENY',
          code: 'BLOCKED_WORD',
          reason: 'Your message contains a word this channel does not allow.',
        };
      }
      pattern.lastIndex = 0;
      return { result: 'ALLOW', content: text.replace(pattern, (m) => '*'.repeat([...m].length)) };
    }
  }
  return { result: 'ALLOW', content: text };
}

/** State checks on the member item as it was before this message (ban, timeout, slow mode). */
export function reviewMember(member: MemberState, now: Date, cooldownSeconds: number): ReviewDecision | undefined {
  if (member.bannedAt) return { result: 'DENY', code: 'BANNED', reason: 'You are banned from this chat.' };
  if (member.timeoutUntil && Date.parse(member.timeoutUntil) > now.getTime()) {
    const left = Math.ceil((Date.parse(member.timeoutUntil) - now.getTime()) / 1000);
    return {
      result: 'DENY',
      code: 'TIMED_OUT',
      reason: `You are timed out for ${left} more seconds.`,
      retryAfterSeconds: left,
    };
  }
  if (cooldownSeconds > 0 && member.lastMessageAt) {
    const next = Date.parse(member.lastMessageAt) + cooldownSeconds * 1000;
    if (next > now.getTime()) {
      const left = Math.ceil((next - now.getTime()) / 1000);
      return {
        result: 'DENY',
        code: 'SLOW_MODE',
        reason: `Slow mode: wait ${left} s before your next message.`,
        retryAfterSeconds: left,
      };
    }
  }
  return undefined;
}

export interface SettingsInput {
  slowModeSeconds?: number | null;
  autoSlowModeViewerThreshold?: number | null;
  autoSlowModeSeconds?: number | null;
  blockedWords?: string[] | null;
  blockedWordsAction?: BlockedWordsAction | null;
  pinnedMessage?: string | null;
}

const intIn = (name: string, v: number, min: number, max: number) => {
  if (!Number.isInteger(v) || v < min || v > max)
    throw new DomainError('VALIDATION', `The value of ${name} must be a whole number from ${min} to ${max}.`, {
      field: name,
    });
};

/** Validates and normalizes a settings change; returns only the fields to update. */
export function validateSettings(input: SettingsInput): Partial<ChatSettings> {
  const out: Partial<ChatSettings> = {};
  if (input.slowModeSeconds != null) {
    intIn('slowModeSeconds', input.slowModeSeconds, 0, CHAT_LIMITS.maxSlowModeSeconds);
    out.slowModeSeconds = input.slowModeSeconds;
  }
  if (input.autoSlowModeViewerThreshold !== undefined) {
    if (input.autoSlowModeViewerThreshold !== null)
      intIn('autoSlowModeViewerThreshold', input.autoSlowModeViewerThreshold, 1, 10_000_000);
    out.autoSlowModeViewerThreshold = input.autoSlowModeViewerThreshold;
  }
  if (input.autoSlowModeSeconds !== undefined) {
    if (input.autoSlowModeSeconds !== null)
      intIn('autoSlowModeSeconds', input.autoSlowModeSeconds, 1, CHAT_LIMITS.maxSlowModeSeconds);
    out.autoSlowModeSeconds = input.autoSlowModeSeconds;
  }
  if (input.blockedWords != null) {
    const words = [...new Set(input.blockedWords.map((w) => w.trim().toLowerCase()).filter(Boolean))];
    if (words.length > CHAT_LIMITS.maxBlockedWords)
      throw new DomainError('VALIDATION', `At most ${CHAT_LIMITS.maxBlockedWords} blocked words.`, {
        field: 'blockedWords',
      });
    const long = words.find((w) => w.length > CHAT_LIMITS.maxBlockedWordLength);
    if (long)
      throw new DomainError(
        'VALIDATION',
        `Blocked words can be at most ${CHAT_LIMITS.maxBlockedWordLength} characters ("${long.slice(0, 20)}…").`,
        { field: 'blockedWords' },
      );
    out.blockedWords = words;
  }
  if (input.blockedWordsAction != null) out.blockedWordsAction = input.blockedWordsAction;
  if (input.pinnedMessage !== undefined) {
    const pinned = input.pinnedMessage?.trim() || null;
    if (pinned && pinned.length > CHAT_LIMITS.maxPinnedLength)
      throw new DomainError(
        'VALIDATION',
        `The pinned message can be at most ${CHAT_LIMITS.maxPinnedLength} characters.`,
        { field: 'pinnedMessage' },
      );
    out.pinnedMessage = pinned;
  }
  return out;
}

const same = (a: unknown, b: unknown) =>
  Array.isArray(a) || Array.isArray(b)
    ? JSON.stringify(a ?? []) === JSON.stringify(b ?? [])
    : (a ?? null) === (b ?? null);

/** The fields of a validated settings change that differ from the stored settings (a form saves them all). */
export function changedSettings(stored: Partial<ChatSettings>, changes: Partial<ChatSettings>): Partial<ChatSettings> {
  return Object.fromEntries(
    Object.entries(changes).filter(([k, v]) => !same((stored as Record<string, unknown>)[k], v)),
  ) as Partial<ChatSettings>;
}

/** The moderation log entries a settings change makes: one per kind of setting that changed, none for a save that changed nothing. */
export function settingsLogEntries(
  changed: Partial<ChatSettings>,
  settings: ChatSettings,
): { action: ModerationAction; durationSeconds?: number; reason?: string }[] {
  const entries: { action: ModerationAction; durationSeconds?: number; reason?: string }[] = [];
  if (
    changed.slowModeSeconds !== undefined ||
    changed.autoSlowModeSeconds !== undefined ||
    changed.autoSlowModeViewerThreshold !== undefined
  ) {
    entries.push({
      action: 'SLOW_MODE',
      durationSeconds: settings.slowModeSeconds,
      reason: settings.slowModeSeconds ? `Slow mode ${settings.slowModeSeconds} s` : 'Slow mode off',
    });
  }
  if (changed.blockedWords !== undefined || changed.blockedWordsAction !== undefined) {
    entries.push({
      action: 'BLOCKED_WORDS',
      reason: `${settings.blockedWords.length} blocked words, action ${settings.blockedWordsAction}`,
    });
  }
  if (changed.pinnedMessage !== undefined) {
    entries.push({
      action: 'PINNED_MESSAGE',
      reason: settings.pinnedMessage ? `Pinned: ${settings.pinnedMessage}` : 'Unpinned',
    });
  }
  return entries;
}

export function validateTimeoutSeconds(seconds: number): void {
  intIn('seconds', seconds, 1, CHAT_LIMITS.maxTimeoutSeconds);
}

export interface ModerationEntry {
  entryId: string;
  channelId: string;
  action: ModerationAction;
  actorId: string;
  actorHandle?: string;
  targetUserId?: string;
  targetHandle?: string;
  messageId?: string;
  durationSeconds?: number;
  reason?: string;
  at: string;
}
