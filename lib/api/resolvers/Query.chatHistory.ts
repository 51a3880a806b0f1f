/**
 * Query.chatHistory: pipeline audienceGate (the chat of a followers-only, private or Preview stream
 * is read by those who may watch it, as its chat tokens are: docs/safety.md) → chatHistoryRead (the
 * last messages, oldest first). A public channel's history is open to guests, like its chat.
 */
import type { Context } from '@aws-appsync/utils';

export const pipeline = ['audienceGate', 'chatHistoryRead'];

export function request(ctx: Context<{ channelId: string }>): unknown {
  ctx.stash.channelId = ctx.args.channelId;
  return {};
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
