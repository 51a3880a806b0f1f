/**
 * Query.topGifters: pipeline audienceGate (a followers-only, private or Preview stream's gifters are
 * shown to those who may watch it) → channelProfile → topGiftersRead; the ten biggest gifters of the
 * live stream.
 */
import type { Context } from '@aws-appsync/utils';

export const pipeline = ['audienceGate', 'channelProfile', 'topGiftersRead'];

export function request(ctx: Context<{ channelId: string }>): unknown {
  ctx.stash.channelId = ctx.args.channelId;
  return {};
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
