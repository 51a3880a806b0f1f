/**
 * Query.products: pipeline audienceGate (a followers-only, private or Preview stream's products are
 * for those who may watch it) → productsRead (featured first, then open auctions, then newest).
 */
import type { Context } from '@aws-appsync/utils';

export const pipeline = ['audienceGate', 'productsRead'];

export function request(ctx: Context<{ channelId: string }>): unknown {
  ctx.stash.channelId = ctx.args.channelId;
  return {};
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
