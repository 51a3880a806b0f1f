/** Mutation.startAuction: pipeline getProduct → loadBans → startAuctionWrite. */
import type { Context } from '@aws-appsync/utils';
import { requireUser } from './lib/commerce';

export const pipeline = ['getProduct', 'loadBans', 'startAuctionWrite'];

export function request(ctx: Context): unknown {
  requireUser(ctx);
  return {};
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
