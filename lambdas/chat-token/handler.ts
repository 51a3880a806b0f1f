/**
 * Mutation.createChatToken: an IVS Chat token for the channel's room with capabilities by role
 * (viewer: send; streamer and moderators: also delete and disconnect; signed-out: read only), and
 * no send while the caller's timeout runs (IVS Chat enforces it, whatever the review handler does).
 * Banned users (from the channel, or from the platform by an admin) get a clear refusal. Attributes carry the handle, the role badge and the channel
 * id (the review handler reads the channel from it without a lookup).
 */
import { randomUUID } from 'node:crypto';
import { CreateChatTokenCommand } from '@aws-sdk/client-ivschat';
import { BatchGetCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, ivschat } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import { DomainError, toAppSyncResult } from '../shared/errors';
import type { ChatToken } from '../shared/api-types';
import type { AppSyncInvokeEvent } from '../shared/appsync-event';
import { cognitoCaller, idArgument } from '../shared/appsync-event';
import { observability } from '../shared/logger';
import { capabilitiesFor, CHAT_LIMITS, roleOf } from '../shared/domain/chat';
import {
  accountKey,
  banKey,
  followKey,
  isItemAt,
  memberKey,
  moderatorKey,
  profileKey,
  SK_PREFIX,
  suspensionKey,
} from '../shared/domain/keys';
import { ACCOUNT_BANNED, accountBannedMessage } from '../shared/domain/safety';
import { watchVerdict, WATCH_REFUSALS, type AudienceFields } from '../shared/domain/audience';
import { isAdmin } from '../shared/domain/economy';

const { logger } = observability('chat-token');

function signedIn(identity: unknown): boolean {
  return !!identity && typeof identity === 'object' && typeof (identity as { sub?: unknown }).sub === 'string';
}

export async function createChatToken(identity: unknown, channelId: string): Promise<ChatToken> {
  const table = requireEnv(ENV.TABLE_NAME);
  const caller = signedIn(identity) ? cognitoCaller(identity) : undefined;
  const keys: Record<string, string>[] = [profileKey(channelId)];
  if (caller)
    keys.push(
      banKey(channelId, caller.userId),
      moderatorKey(channelId, caller.userId),
      memberKey(channelId, caller.userId),
      followKey(caller.userId, channelId),
      // A platform ban (docs/safety.md): read with the rest, so it costs no extra round trip.
      suspensionKey(caller.userId),
    );
  // The chat shows the platform-owned handle: the token's `handle` claim (stamped from the account
  // item), or the account item itself for a token without it (access tokens). Never preferred_username.
  if (caller && !caller.handle) keys.push(accountKey(caller.userId));
  const { Responses } = await ddb.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: keys } } }));
  const items = Responses?.[table] ?? [];
  const profile = items.find((i) => isItemAt(i, profileKey(channelId)));
  const handle =
    caller?.handle ??
    (caller ? (items.find((i) => isItemAt(i, accountKey(caller.userId)))?.handle as string | undefined) : undefined);
  const suspension = caller ? items.find((i) => isItemAt(i, suspensionKey(caller.userId))) : undefined;
  if (suspension?.banned === true) {
    throw new DomainError(ACCOUNT_BANNED, accountBannedMessage(suspension.reason as string | undefined));
  }
  if (!profile?.chatRoomArn) throw new DomainError('NOT_FOUND', 'This channel has no chat yet.');
  // The chat of a followers-only, private or Preview stream is for those who may watch it (docs/safety.md).
  const groups = (identity as { groups?: string[] | null } | null)?.groups;
  const verdict = watchVerdict(channelId, profile as AudienceFields, {
    userId: caller?.userId,
    handle,
    isAdmin: isAdmin(groups),
    follows: !!caller && items.some((i) => isItemAt(i, followKey(caller.userId, channelId))),
  });
  if (!verdict.allowed) throw new DomainError('FORBIDDEN', WATCH_REFUSALS[verdict.reason], { reason: verdict.reason });
  if (caller && items.some((i) => String(i.SK).startsWith(SK_PREFIX.ban))) {
    throw new DomainError('BANNED', 'You are banned from this chat.');
  }
  const isModerator = items.some((i) => String(i.SK).startsWith(SK_PREFIX.moderator));
  const timeoutUntil = items.find((i) => String(i.SK).startsWith(SK_PREFIX.member))?.timeoutUntil as string | undefined;
  const timedOut = !!timeoutUntil && Date.parse(timeoutUntil) > Date.now();
  const role = caller ? roleOf(caller.userId, channelId, isModerator) : 'VIEWER';
  const capabilities = capabilitiesFor(caller ? role : 'GUEST', { timedOut });
  const answer = await ivschat.send(
    new CreateChatTokenCommand({
      roomIdentifier: profile.chatRoomArn as string,
      // Guests read only; each gets an anonymous id so IVS can tell connections apart.
      userId: caller?.userId ?? `guest-${randomUUID()}`,
      capabilities,
      sessionDurationInMinutes: CHAT_LIMITS.sessionMinutes,
      attributes: { handle: caller ? (handle ?? 'viewer') : 'guest', role: caller ? role : 'GUEST', channelId },
    }),
  );
  if (!answer.token) throw new Error('CreateChatToken returned no token');
  return {
    token: answer.token,
    role,
    capabilities,
    sessionExpirationTime: (
      answer.sessionExpirationTime ?? new Date(Date.now() + CHAT_LIMITS.sessionMinutes * 60_000)
    ).toISOString(),
    tokenExpirationTime: (answer.tokenExpirationTime ?? new Date(Date.now() + 60 * 60_000)).toISOString(),
    timedOutUntil: timedOut && timeoutUntil ? timeoutUntil : null,
  };
}

export async function handler(event: AppSyncInvokeEvent<{ channelId: string }>) {
  return toAppSyncResult(
    () => createChatToken(event.identity, idArgument(event.arguments.channelId, 'channelId')),
    (error) => logger.error('chat token failed', { error: error as Error }),
  );
}
