/**
 * Subscription.onBidPlaced: checked once, at subscribe time, by audienceGate: a followers-only, private
 * or Preview stream's bids reach only those who may watch it (docs/safety.md). The events
 * themselves are the mutations' answers, delivered by AppSync to the subscriptions it accepted.
 */
import type { Context } from '@aws-appsync/utils';

export const pipeline = ['audienceGate'];

export function request(ctx: Context<{ channelId: string }>): unknown {
  ctx.stash.channelId = ctx.args.channelId;
  return {};
}

export function response(_ctx: Context): unknown {
  return null;
}
