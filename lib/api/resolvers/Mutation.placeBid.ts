/** Mutation.placeBid: pipeline loadBid → placeBidWrite (see functions/placeBidWrite.ts). */
import type { Context } from '@aws-appsync/utils';
import { requireUser } from './lib/commerce';

export const pipeline = ['loadBid', 'placeBidWrite'];

export function request(ctx: Context): unknown {
  requireUser(ctx);
  return {};
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
