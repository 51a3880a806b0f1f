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

/** Marks a message deleted (kept as a placeholder so the conversation still reads). */
export function markDeleted(lines: ChatLine[], messageId: string, reason?: string): ChatLine[] {
  return lines.map((l) => (l.id === messageId ? { ...l, deleted: reason || 'Removed by a moderator' } : l));
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
