/**
 * Moderation actions by the streamer or their moderators: delete a message, timeout, ban/unban
 * (IVS DisconnectUser plus the ban record, also written onto the channel's products so the user
 * cannot bid: bidding-bans.ts), lift a timeout, moderators (streamer only), chat settings (slow mode,
 * blocked words, pinned message, pushed to clients as a `settings` room event). Every action is
 * written to the channel's moderation log.
 */
import { DeleteMessageCommand, DisconnectUserCommand, SendEventCommand } from '@aws-sdk/client-ivschat';
import { BatchGetCommand, GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { ddb, ivschat } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import { handleSchema } from '../shared/domain/handles';
import { DomainError, toAppSyncResult } from '../shared/errors';
import { cognitoCaller, idArgument, type AppSyncInvokeEvent, type Caller } from '../shared/appsync-event';
import { observability } from '../shared/logger';
import { applyBanToBidding } from './bidding-bans';
import {
  canModerate,
  changedSettings,
  roleOf,
  settingsLogEntries,
  validateSettings,
  validateTimeoutSeconds,
  type ChatRole,
  type ChatSettings,
  type ModerationAction,
  type ModerationEntry,
  type SettingsInput,
} from '../shared/domain/chat';
import { newId } from '../shared/domain/ids';
import {
  accountKey,
  banKey,
  chatSettingsKey,
  handleKey,
  isItemAt,
  memberKey,
  moderatorKey,
  modLogKey,
  profileKey,
  SK_PREFIX,
  userModeratesPk,
} from '../shared/domain/keys';

const { logger } = observability('chat-moderation');

interface Context {
  table: string;
  actor: Caller;
  role: ChatRole;
  channelId: string;
  roomArn: string;
}

async function context(identity: unknown, channelId: string): Promise<Context> {
  const table = requireEnv(ENV.TABLE_NAME);
  const actor = cognitoCaller(identity);
  const { Responses } = await ddb.send(
    new BatchGetCommand({
      RequestItems: {
        [table]: { Keys: [profileKey(channelId), moderatorKey(channelId, actor.userId)], ConsistentRead: true },
      },
    }),
  );
  const items = Responses?.[table] ?? [];
  const profile = items.find((i) => isItemAt(i, profileKey(channelId)));
  if (!profile?.chatRoomArn) throw new DomainError('NOT_FOUND', 'This channel has no chat yet.');
  const role = roleOf(
    actor.userId,
    channelId,
    items.some((i) => String(i.SK).startsWith(SK_PREFIX.moderator)),
  );
  if (!canModerate(role))
    throw new DomainError('FORBIDDEN', 'Only the streamer and their moderators can moderate this chat.');
  return { table, actor, role, channelId, roomArn: profile.chatRoomArn as string };
}

async function log(ctx: Context, action: ModerationAction, fields: Partial<ModerationEntry>): Promise<ModerationEntry> {
  const entry: ModerationEntry = {
    entryId: newId('moderation'),
    channelId: ctx.channelId,
    action,
    actorId: ctx.actor.userId,
    actorHandle: ctx.actor.handle,
    at: new Date().toISOString(),
    ...fields,
  };
  await ddb.send(
    new PutCommand({
      TableName: ctx.table,
      Item: { ...modLogKey(ctx.channelId, entry.at, entry.entryId), type: 'ModerationEntry', ...entry },
    }),
  );
  return entry;
}

/**
 * Moderators cannot act on the streamer or on each other; nobody acts on themselves. Answers the
 * target's handle (the log and the Studio's lists name people, not ids).
 */
async function assertTarget(ctx: Context, userId: string): Promise<string | undefined> {
  if (userId === ctx.actor.userId) throw new DomainError('VALIDATION', 'You cannot moderate yourself.');
  if (userId === ctx.channelId)
    throw new DomainError('FORBIDDEN', 'The streamer cannot be moderated in their own chat.');
  const { Responses } = await ddb.send(
    new BatchGetCommand({
      RequestItems: { [ctx.table]: { Keys: [moderatorKey(ctx.channelId, userId), accountKey(userId)] } },
    }),
  );
  const items = Responses?.[ctx.table] ?? [];
  if (ctx.role === 'MODERATOR' && items.some((i) => isItemAt(i, moderatorKey(ctx.channelId, userId)))) {
    throw new DomainError('FORBIDDEN', 'Only the streamer can moderate a moderator.');
  }
  return items.find((i) => isItemAt(i, accountKey(userId)))?.handle as string | undefined;
}

/** The handle of a user the action does not need to check (unban, lift a timeout, remove a moderator). */
async function handleOf(ctx: Context, userId: string): Promise<string | undefined> {
  const { Item } = await ddb.send(
    new GetCommand({ TableName: ctx.table, Key: accountKey(userId), ProjectionExpression: 'handle' }),
  );
  return Item?.handle as string | undefined;
}

async function disconnect(ctx: Context, userId: string, reason: string): Promise<void> {
  try {
    await ivschat.send(new DisconnectUserCommand({ roomIdentifier: ctx.roomArn, userId, reason }));
  } catch (error) {
    // Not connected right now: the ban/timeout still holds through the token and the review handler.
    if ((error as { name?: string }).name !== 'ResourceNotFoundException') throw error;
  }
}

type Args = Record<string, unknown> & { channelId?: string; input?: SettingsInput & { channelId: string } };

export async function moderate(field: string, identity: unknown, args: Args): Promise<unknown> {
  const channelId = idArgument(args.channelId ?? args.input?.channelId, 'channelId');
  // The target too, before the channel is read: a refusal for bad input costs no AWS call.
  if (args.userId !== undefined) idArgument(args.userId, 'userId');
  const ctx = await context(identity, channelId);
  const reason = typeof args.reason === 'string' && args.reason.trim() ? args.reason.trim().slice(0, 200) : undefined;
  switch (field) {
    case 'deleteChatMessage': {
      const messageId = String(args.messageId ?? '');
      if (!messageId) throw new DomainError('VALIDATION', 'Which message? messageId is required.');
      await ivschat.send(new DeleteMessageCommand({ roomIdentifier: ctx.roomArn, id: messageId, reason }));
      return log(ctx, 'DELETE_MESSAGE', { messageId, reason });
    }
    case 'timeoutUser': {
      const userId = idArgument(args.userId, 'userId');
      const seconds = Number(args.seconds);
      validateTimeoutSeconds(seconds);
      const targetHandle = await assertTarget(ctx, userId);
      const at = new Date();
      const until = new Date(at.getTime() + seconds * 1000).toISOString();
      await ddb.send(
        new UpdateCommand({
          TableName: ctx.table,
          Key: memberKey(channelId, userId),
          UpdateExpression: 'SET timeoutUntil = :u, timedOutAt = :at, handle = :h, timeoutReason = :r',
          ExpressionAttributeValues: {
            ':u': until,
            ':at': at.toISOString(),
            ':h': targetHandle ?? null,
            ':r': reason ?? null,
          },
        }),
      );
      await disconnect(ctx, userId, reason ?? `Timed out for ${seconds} seconds`);
      return log(ctx, 'TIMEOUT', { targetUserId: userId, targetHandle, durationSeconds: seconds, reason });
    }
    case 'liftTimeout': {
      const userId = String(args.userId);
      const targetHandle = await assertTarget(ctx, userId);
      await ddb.send(
        new UpdateCommand({
          TableName: ctx.table,
          Key: memberKey(channelId, userId),
          UpdateExpression: 'REMOVE timeoutUntil, timedOutAt, timeoutReason',
        }),
      );
      // Their chat token was minted without SEND_MESSAGE for the timeout: the reconnect fetches one that can send.
      await disconnect(ctx, userId, 'Your timeout was lifted; you can chat again');
      return log(ctx, 'LIFT_TIMEOUT', { targetUserId: userId, targetHandle });
    }
    case 'banUser': {
      const userId = idArgument(args.userId, 'userId');
      const targetHandle = await assertTarget(ctx, userId);
      const since = new Date().toISOString();
      await ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: ctx.table,
                Item: {
                  ...banKey(channelId, userId),
                  type: 'Ban',
                  userId,
                  handle: targetHandle,
                  since,
                  reason,
                  bannedBy: ctx.actor.userId,
                },
              },
            },
            {
              Update: {
                TableName: ctx.table,
                Key: memberKey(channelId, userId),
                UpdateExpression: 'SET bannedAt = :s',
                ExpressionAttributeValues: { ':s': since },
              },
            },
          ],
        }),
      );
      await applyBanToBidding(ddb, ctx.table, channelId, userId, true);
      await disconnect(ctx, userId, reason ?? 'Banned from this chat');
      return log(ctx, 'BAN', { targetUserId: userId, targetHandle, reason });
    }
    case 'unbanUser': {
      const userId = idArgument(args.userId, 'userId');
      await ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: ctx.table, Key: banKey(channelId, userId) } },
            {
              Update: { TableName: ctx.table, Key: memberKey(channelId, userId), UpdateExpression: 'REMOVE bannedAt' },
            },
          ],
        }),
      );
      await applyBanToBidding(ddb, ctx.table, channelId, userId, false);
      return log(ctx, 'UNBAN', { targetUserId: userId, targetHandle: await handleOf(ctx, userId) });
    }
    case 'addModerator': {
      if (ctx.role !== 'STREAMER') throw new DomainError('FORBIDDEN', 'Only the streamer can add moderators.');
      // People type handles as they see them in chat: "@moe" names moe.
      const handle = String(args.handle ?? '')
        .trim()
        .replace(/^@/, '');
      // A string that cannot be a handle names nobody (and would not fit in a key).
      if (!handleSchema.safeParse(handle).success) {
        throw new DomainError(
          'NOT_FOUND',
          handle.length > 0 && handle.length <= 30 ? `Nobody has the handle @${handle}.` : 'Nobody has that handle.',
        );
      }
      const { Item: claim } = await ddb.send(new GetCommand({ TableName: ctx.table, Key: handleKey(handle) }));
      if (!claim?.userId) throw new DomainError('NOT_FOUND', `Nobody has the handle @${handle}.`);
      const userId = claim.userId as string;
      if (userId === channelId) throw new DomainError('VALIDATION', 'You already moderate your own chat.');
      await ddb.send(
        new PutCommand({
          TableName: ctx.table,
          Item: {
            ...moderatorKey(channelId, userId),
            type: 'Moderator',
            userId,
            handle: claim.handle ?? handle,
            since: new Date().toISOString(),
            GSI1PK: userModeratesPk(userId),
            GSI1SK: channelId,
          },
        }),
      );
      return log(ctx, 'ADD_MODERATOR', {
        targetUserId: userId,
        targetHandle: (claim.handle as string | undefined) ?? handle,
      });
    }
    case 'removeModerator': {
      if (ctx.role !== 'STREAMER') throw new DomainError('FORBIDDEN', 'Only the streamer can remove moderators.');
      const userId = idArgument(args.userId, 'userId');
      await ddb.send(
        new TransactWriteCommand({
          TransactItems: [{ Delete: { TableName: ctx.table, Key: moderatorKey(channelId, userId) } }],
        }),
      );
      return log(ctx, 'REMOVE_MODERATOR', { targetUserId: userId, targetHandle: await handleOf(ctx, userId) });
    }
    case 'updateChatSettings': {
      const requested = validateSettings(args.input ?? {});
      if (!Object.keys(requested).length) throw new DomainError('VALIDATION', 'Nothing to change.');
      const { Item: stored } = await ddb.send(
        new GetCommand({ TableName: ctx.table, Key: chatSettingsKey(channelId), ConsistentRead: true }),
      );
      if (!stored) throw new DomainError('NOT_FOUND', 'This channel has no chat yet.');
      // The Studio's form sends every field: only what differs is written, pushed and logged.
      const changes = changedSettings(stored as ChatSettings, requested);
      const names = Object.keys(changes);
      if (!names.length)
        return {
          ...(stored as ChatSettings),
          blockedWords: (stored.blockedWords as string[] | undefined) ?? [],
          channelId,
        };
      const { Attributes } = await ddb.send(
        new UpdateCommand({
          TableName: ctx.table,
          Key: chatSettingsKey(channelId),
          UpdateExpression: `SET ${names.map((n) => `#${n} = :${n}`).join(', ')}, updatedAt = :at`,
          ConditionExpression: 'attribute_exists(PK)',
          ExpressionAttributeNames: Object.fromEntries(names.map((n) => [`#${n}`, n])),
          ExpressionAttributeValues: {
            ...Object.fromEntries(names.map((n) => [`:${n}`, (changes as Record<string, unknown>)[n]])),
            ':at': new Date().toISOString(),
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      const settings = Attributes as ChatSettings;
      // Clients update the cooldown timer and pinned message live.
      await ivschat.send(
        new SendEventCommand({
          roomIdentifier: ctx.roomArn,
          eventName: 'settings',
          attributes: {
            slowModeSeconds: String(settings.slowModeSeconds ?? 0),
            pinnedMessage: settings.pinnedMessage ?? '',
          },
        }),
      );
      for (const entry of settingsLogEntries(changes, settings))
        await log(ctx, entry.action, { durationSeconds: entry.durationSeconds, reason: entry.reason });
      return { ...settings, channelId };
    }
    default:
      throw new DomainError('VALIDATION', `Unknown moderation field ${field}.`);
  }
}

export async function handler(event: AppSyncInvokeEvent<Args>) {
  return toAppSyncResult(
    () => moderate(event.info.fieldName, event.identity, event.arguments),
    (error) => logger.error('moderation failed', { error: error as Error, field: event.info.fieldName }),
  );
}
