/**
 * The record IVS Chat logging writes for every message and event of a room (IVS Chat User Guide,
 * "Chat Logging": event_timestamp, type MESSAGE | EVENT, version, payload = what clients receive),
 * validated at the edge and turned into a change of the history.
 */
import { z } from 'zod';
import type { ChatHistoryMessage } from '../shared/domain/chat-history';

const attributes = z.record(z.string(), z.string()).optional();
/** IVS Chat Message (Subscribe) payload as logged. */
const messagePayload = z.object({
  Type: z.literal('MESSAGE'),
  Id: z.string().min(1),
  Content: z.string(),
  SendTime: z.string().datetime({ offset: true }),
  Sender: z.object({ UserId: z.string().min(1), Attributes: attributes }),
  Attributes: attributes,
});
/** IVS Chat Event (Subscribe) payload as logged; only aws:DELETE_MESSAGE changes the history. */
const eventPayload = z.object({
  Type: z.literal('EVENT'),
  EventName: z.string(),
  Attributes: attributes,
});
/** The record IVS Chat logging writes for every message and event (IVS Chat User Guide, "Chat Logging"). */
const logRecord = z.object({
  event_timestamp: z.string(),
  type: z.enum(['MESSAGE', 'EVENT']),
  version: z.string(),
  payload: z.unknown(),
});

/** What one log record means for the history. */
export type ChatLogChange =
  | { kind: 'message'; message: Omit<ChatHistoryMessage, 'channelId'>; channelId?: string; sendTime: string }
  | { kind: 'delete'; messageId: string; reason: string };

/** The default text shown in place of a deleted message without a reason. */
export const DELETED_REASON = 'Removed by a moderator';

/**
 * Parses one logged line (the JSON IVS Chat writes) into a history change; undefined for records
 * that do not touch the history (other events, malformed lines).
 */
export function parseChatLogRecord(line: string): ChatLogChange | undefined {
  let json: unknown;
  try {
    json = JSON.parse(line);
  } catch {
    return undefined;
  }
  const record = logRecord.safeParse(json);
  if (!record.success) return undefined;
  if (record.data.type === 'MESSAGE') {
    const m = messagePayload.safeParse(record.data.payload);
    if (!m.success) return undefined;
    const sender = m.data.Sender.Attributes ?? {};
    return {
      kind: 'message',
      // The chat token's attributes (lambdas/chat-token) carry the channel, handle and role badge.
      channelId: sender.channelId,
      message: {
        messageId: m.data.Id,
        userId: m.data.Sender.UserId,
        handle: sender.handle ?? m.data.Sender.UserId.slice(0, 8),
        role: sender.role ?? 'VIEWER',
        content: m.data.Content,
        sentAt: new Date(m.data.SendTime).toISOString(),
      },
      sendTime: sortableSendTime(m.data.SendTime),
    };
  }
  const e = eventPayload.safeParse(record.data.payload);
  if (!e.success || e.data.EventName !== 'aws:DELETE_MESSAGE') return undefined;
  const messageId = e.data.Attributes?.MessageID;
  if (!messageId) return undefined;
  return { kind: 'delete', messageId, reason: e.data.Attributes?.Reason || DELETED_REASON };
}

/**
 * SendTime as a string that sorts in send order: UTC with nine fractional digits. Two messages of
 * one room often share a millisecond (a burst, or a chatter sending fast), so the history keeps
 * the finer digits SendTime carries instead of cutting them to `sentAt`'s milliseconds; a SendTime
 * without them (or with an offset) sorts at the start of its millisecond.
 */
export function sortableSendTime(sendTime: string): string {
  const utc = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?Z$/.exec(sendTime);
  if (utc) return `${utc[1]}.${(utc[2] ?? '').padEnd(9, '0').slice(0, 9)}Z`;
  return new Date(sendTime).toISOString().replace(/Z$/, '000000Z');
}

/** The room id in an IVS Chat log stream name (`aws/IVSChatLogs/1.0/room_<id>`). */
export function roomIdOfLogStream(logStream: string): string | undefined {
  return /room_([A-Za-z0-9]+)$/.exec(logStream)?.[1];
}
