/**
 * Chat history, pure: IVS Chat keeps no history, so the platform keeps the recent messages of each
 * channel from the room's chat log (IVS Chat logging, read off the review handler's path). This
 * module holds how long a message is kept; no imports, so APPSYNC_JS resolvers
 * can use it too.
 */
/** Messages a late joiner (or a reload) sees, and the most one history page returns. */
export const CHAT_HISTORY_LIMIT = 50;
/** How long a message stays in the history (DynamoDB TTL on `expiresAt`). */
export const CHAT_HISTORY_TTL_SECONDS = 24 * 3600;

/** A stored chat message (what Query.chatHistory answers). */
export interface ChatHistoryMessage {
  messageId: string;
  channelId: string;
  userId: string;
  handle: string;
  role: string;
  content: string;
  sentAt: string;
  /** Set when a moderator deleted the message: the reason shown in its place. */
  deletedReason?: string;
}

/** Epoch seconds at which a message sent at `sentAt` leaves the history. */
export function historyExpiry(sentAt: string): number {
  return Math.floor(Date.parse(sentAt) / 1000) + CHAT_HISTORY_TTL_SECONDS;
}
