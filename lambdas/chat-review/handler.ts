/**
 * IVS Chat message review handler. IVS waits at most 200 ms and then applies the room's fallback
 * (ALLOW, see docs/control-plane.md), so the path is: cached room settings (5 s), pure content
 * checks, and ONE conditional UpdateItem on the sender's member item that enforces ban, timeout
 * and slow mode atomically across concurrent instances (and records the message time).
 *
 * Cold starts count against that deadline, so the imports are only what the review needs
 * (test/bench/chat-review-cold.bench.ts measures them): the DynamoDB clients alone (`shared/ddb`,
 * not `shared/clients` with four more SDK packages), the profile key without `streamers.ts`'s zod
 * schemas, no Powertools Tracer (the X-Ray SDK it loads was a third of the bundle; Lambda's active
 * tracing still records every invocation), and the Powertools Logger loaded on the failure path
 * only: a review that succeeds logs nothing.
 */
import type { Logger } from '@aws-lambda-powertools/logger';
import { BatchGetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { ddb } from '../shared/ddb';
import { ENV, requireEnv } from '../shared/env';
import {
  blockedWordsPattern,
  effectiveCooldownSeconds,
  reviewContent,
  reviewMember,
  type ChatSettings,
  type MemberState,
  type ReviewDecision,
} from '../shared/domain/chat';
import { chatSettingsKey, memberKey, profileKey, roomIndexKey } from '../shared/domain/keys';

let failureLogger: Promise<Logger> | undefined;
/** The Logger, imported on first use (esbuild defers a dynamically imported module's init until then). */
function logger(): Promise<Logger> {
  failureLogger ??= import('@aws-lambda-powertools/logger').then(
    ({ Logger }) => new Logger({ serviceName: 'chat-review' }),
  );
  return failureLogger;
}

/** The payload IVS Chat sends (IVS Chat Message Review Handler, request syntax). */
export interface ReviewEvent {
  Content: string;
  MessageId: string;
  RoomArn: string;
  Attributes?: Record<string, string>;
  Sender: { UserId: string; Attributes?: Record<string, string>; Ip?: string };
}

/** The answer IVS Chat expects (response syntax); denial details ride in Attributes for clients that can see them. */
export interface ReviewResponse {
  ReviewResult: 'ALLOW' | 'DENY';
  Content: string;
  Attributes: Record<string, string>;
}

interface RoomState {
  at: number;
  settings: ChatSettings;
  viewerCount: number;
  pattern: RegExp | undefined;
}

/** Settings change rarely; a 5 s cache keeps the review path to one DynamoDB call. */
export const SETTINGS_TTL_MS = 5_000;
const rooms = new Map<string, RoomState>();
const channelByRoom = new Map<string, string>();

export function resetCaches(): void {
  rooms.clear();
  channelByRoom.clear();
}

async function channelOf(event: ReviewEvent, table: string): Promise<string | undefined> {
  const fromToken = event.Sender.Attributes?.channelId;
  if (fromToken) return fromToken;
  const known = channelByRoom.get(event.RoomArn);
  if (known) return known;
  const { GSI1PK, GSI1SK } = roomIndexKey(event.RoomArn);
  const { Items } = await ddb.send(
    new QueryCommand({
      TableName: table,
      IndexName: 'GSI1',
      KeyConditionExpression: 'GSI1PK = :pk AND GSI1SK = :sk',
      ExpressionAttributeValues: { ':pk': GSI1PK, ':sk': GSI1SK },
      Limit: 1,
    }),
  );
  const channelId = Items?.[0]?.channelId as string | undefined;
  if (channelId) channelByRoom.set(event.RoomArn, channelId);
  return channelId;
}

async function roomState(channelId: string, table: string, now: number): Promise<RoomState | undefined> {
  const cached = rooms.get(channelId);
  if (cached && now - cached.at < SETTINGS_TTL_MS) return cached;
  const { Responses } = await ddb.send(
    new BatchGetCommand({
      RequestItems: {
        [table]: {
          Keys: [chatSettingsKey(channelId), profileKey(channelId)],
          ProjectionExpression:
            'SK, slowModeSeconds, autoSlowModeViewerThreshold, autoSlowModeSeconds, blockedWords, blockedWordsAction, maxMessageLength, viewerCount, channelId',
        },
      },
    }),
  );
  const items = Responses?.[table] ?? [];
  // The projection leaves PK out: the two items differ by SK.
  const settingsItem = items.find((i) => i.SK === chatSettingsKey(channelId).SK);
  if (!settingsItem) return undefined;
  const settings = {
    channelId,
    ...settingsItem,
    blockedWords: (settingsItem.blockedWords as string[] | undefined) ?? [],
  } as ChatSettings;
  const viewerCount = Number(items.find((i) => i.SK === profileKey(channelId).SK)?.viewerCount ?? 0);
  const state = { at: now, settings, viewerCount, pattern: blockedWordsPattern(settings.blockedWords) };
  rooms.set(channelId, state);
  return state;
}

function deny(event: ReviewEvent, decision: Extract<ReviewDecision, { result: 'DENY' }>): ReviewResponse {
  const attributes: Record<string, string> = {
    ...(event.Attributes ?? {}),
    denialCode: decision.code,
    denialReason: decision.reason,
  };
  if (decision.retryAfterSeconds !== undefined) attributes.retryAfterSeconds = String(decision.retryAfterSeconds);
  return { ReviewResult: 'DENY', Content: event.Content, Attributes: attributes };
}

export async function review(event: ReviewEvent, now = new Date()): Promise<ReviewResponse> {
  const table = requireEnv(ENV.TABLE_NAME);
  const channelId = await channelOf(event, table);
  // A room the platform does not know: no rules to apply (the room's fallback would allow it too).
  const state = channelId ? await roomState(channelId, table, now.getTime()) : undefined;
  if (!channelId || !state)
    return { ReviewResult: 'ALLOW', Content: event.Content, Attributes: event.Attributes ?? {} };

  const content = reviewContent(event.Content, state.settings, state.pattern);
  if (content.result === 'DENY') return deny(event, content);

  const cooldown = effectiveCooldownSeconds(state.settings, state.viewerCount);
  const nowIso = now.toISOString();
  const cutoff = new Date(now.getTime() - cooldown * 1000).toISOString();
  try {
    await ddb.send(
      new UpdateCommand({
        TableName: table,
        Key: memberKey(channelId, event.Sender.UserId),
        UpdateExpression: 'SET lastMessageAt = :now',
        ConditionExpression:
          'attribute_not_exists(bannedAt) AND (attribute_not_exists(timeoutUntil) OR timeoutUntil <= :now)' +
          (cooldown > 0 ? ' AND (attribute_not_exists(lastMessageAt) OR lastMessageAt <= :cutoff)' : ''),
        ExpressionAttributeValues: cooldown > 0 ? { ':now': nowIso, ':cutoff': cutoff } : { ':now': nowIso },
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      }),
    );
  } catch (error) {
    if ((error as { name?: string }).name !== 'ConditionalCheckFailedException') throw error;
    // The exception carries the item in DynamoDB's wire format (the document client does not convert errors).
    const raw = (error as { Item?: Record<string, AttributeValue> }).Item;
    const old = (raw ? unmarshall(raw) : {}) as MemberState;
    const decision = reviewMember(old, now, cooldown) ?? {
      result: 'DENY' as const,
      code: 'SLOW_MODE' as const,
      reason: 'Slow mode: wait a moment before your next message.',
    };
    if (decision.result === 'DENY') return deny(event, decision);
  }
  return { ReviewResult: 'ALLOW', Content: content.content, Attributes: event.Attributes ?? {} };
}

export async function handler(event: ReviewEvent): Promise<ReviewResponse> {
  try {
    return await review(event);
  } catch (error) {
    // Throwing makes IVS apply the room's fallback result (ALLOW): chat keeps flowing when DynamoDB is slow.
    (await logger()).error('review failed; the room fallback applies', {
      error: error as Error,
      roomArn: event.RoomArn,
    });
    throw error;
  }
}
