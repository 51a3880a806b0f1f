/** Mutation.unfeatureProduct: pipeline getProduct → getProfile → featureWrite (owner only). */
import type { Context } from '@aws-appsync/utils';
import { requireUser } from './lib/commerce';

export const pipeline = ['getProduct', 'getProfile', 'featureWrite'];

export function request(ctx: Context): unknown {
  requireUser(ctx);
  return {};
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
