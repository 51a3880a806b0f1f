/** Mutation.buyNow: pipeline getProduct → getProfile → audienceGate (the stream's audience, as for its video) → buyNowWrite. */
import type { Context } from '@aws-appsync/utils';
import { requireUser } from './lib/commerce';

export const pipeline = ['getProduct', 'getProfile', 'audienceGate', 'buyNowWrite'];

export function request(ctx: Context): unknown {
  requireUser(ctx);
  return {};
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
