import type { ChatHistoryMessage } from '../../lib/types';

/** A chat line as the UI shows it. */
export interface ChatLine {
  id: string;
  userId: string;
  handle: string;
  role: string;
  content: string;
  at: number;
  deleted?: string | undefined;
  pending?: boolean;
}

/** Max lines kept in memory; older ones scroll away. */
export const MAX_LINES = 200;

/** Adds a received message, replacing the optimistic copy with the same requestId. */
export function addLine(lines: ChatLine[], line: ChatLine, requestId?: string): ChatLine[] {
  const base = requestId ? lines.filter((l) => l.id !== `pending:${requestId}`) : lines;
  if (base.some((l) => l.id === line.id)) return base;
  const next = [...base, line];
  return next.length > MAX_LINES ? next.slice(next.length - MAX_LINES) : next;
}

/** A stored message as Query.chatHistory answers it. */
export type HistoryMessage = ChatHistoryMessage;

/**
 * Merges the stored history into what the chat shows: messages not seen yet are added in time
 * order, deletions the history knows of are applied, lines already shown keep their place.
 */
export function mergeHistory(lines: ChatLine[], history: HistoryMessage[]): ChatLine[] {
  const known = new Map(lines.map((l) => [l.id, l]));
  let changed = false;
  const added: ChatLine[] = [];
  for (const h of history) {
    const line = known.get(h.messageId);
    if (!line) {
      added.push({
        id: h.messageId,
        userId: h.userId,
        handle: h.handle,
        role: h.role,
        content: h.content,
        at: Date.parse(h.sentAt),
        ...(h.deletedReason ? { deleted: h.deletedReason } : {}),
      });
      changed = true;
    } else if (h.deletedReason && !line.deleted) {
      known.set(h.messageId, { ...line, deleted: h.deletedReason });
      changed = true;
    }
  }
  if (!changed) return lines;
  const merged = [...lines.map((l) => known.get(l.id) ?? l), ...added];
  // Optimistic lines stay last: they are newer than anything stored.
  merged.sort((a, b) => (Boolean(a.pending) === Boolean(b.pending) ? a.at - b.at : a.pending ? 1 : -1));
  return merged.length > MAX_LINES ? merged.slice(merged.length - MAX_LINES) : merged;
}

/** Marks a message deleted (kept as a placeholder so the conversation still reads). */
export function markDeleted(lines: ChatLine[], messageId: string, reason?: string): ChatLine[] {
  return lines.map((l) => (l.id === messageId ? { ...l, deleted: reason || 'Removed by a moderator' } : l));
}

/** Whole seconds left of a timeout ending at `until` (epoch ms); 0 when none. */
export function timeoutLeft(until: number, now = Date.now()): number {
  return until > now ? Math.ceil((until - now) / 1000) : 0;
}

/** "9:58" or "1:02:03": the time left of a timeout as the chat shows it. */
export function formatTimeLeft(seconds: number): string {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${m}:${pad(s)}`;
}

/** Remaining slow-mode cooldown in whole seconds. */
export function cooldownLeft(lastSentAt: number | null, slowModeSeconds: number, now = Date.now()): number {
  if (!lastSentAt || slowModeSeconds <= 0) return 0;
  // Clamped: the UI clock ticks every 500 ms and may lag the send time.
  return Math.min(slowModeSeconds, Math.max(0, Math.ceil((lastSentAt + slowModeSeconds * 1000 - now) / 1000)));
}

/**
 * Maps an IVS Chat send error (errorCode + errorMessage from the review handler or service) to
 * what the viewer reads. Review-handler denials carry their reason in the message.
 */
export function denialReason(e: unknown): string {
  const err = e as { errorCode?: number; errorMessage?: string; message?: string };
  const msg = err?.errorMessage ?? err?.message ?? '';
  switch (err?.errorCode) {
    case 406:
      return msg ? `Message not sent: ${msg}` : 'Message not sent: it was rejected by the chat rules';
    case 429:
      return 'You are sending messages too fast';
    case 403:
      return msg ? `Not allowed: ${msg}` : 'You cannot send messages in this chat';
    case 413:
      return 'Message is too long';
    default:
      return msg ? `Message not sent: ${msg}` : 'Message not sent, try again';
  }
}

/** Whether a message fits the room's max length; returns an error message or null. */
export function checkMessage(text: string, maxLength: number): string | null {
  const t = text.trim();
  if (!t) return 'Type a message';
  if (t.length > maxLength) return `At most ${maxLength} characters (${t.length})`;
  return null;
}
