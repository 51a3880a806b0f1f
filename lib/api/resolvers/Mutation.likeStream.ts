/**
 * Mutation.likeStream: one like on a live stream, counted on the streamer's profile (`likes`, set
 * to 0 when a stream starts and removed when it ends, by stream-state) and pushed to onLike
 * subscribers with the new total. Refused when the channel is not live, and (audienceGate first) to
 * a viewer who may not watch a followers-only, private or Preview stream. Pipeline likeWrite →
 * likeTotal: with a `clientLikeId` the count and a marker for the id are one transaction, so a
 * retried tap counts once; a transaction returns no item, so likeTotal reads the total back.
 */
import type { Context } from '@aws-appsync/utils';
import { requireUser } from './lib/commerce';

export const pipeline = ['audienceGate', 'likeWrite', 'likeTotal'];

export function request(ctx: Context<{ channelId: string }>): unknown {
  requireUser(ctx);
  ctx.stash.channelId = ctx.args.channelId;
  return {};
}

export function response(ctx: Context<{ channelId: string }>): unknown {
  return { channelId: ctx.args.channelId, likes: (ctx.prev.result as { likes: number }).likes };
}
