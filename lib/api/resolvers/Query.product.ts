/**
 * Query.product: one product (bid history via Product.bids). Pipeline findProduct → audienceGate:
 * a followers-only, private or Preview stream's product is shown to those who may watch it, as the
 * channel's product list is. An unknown product answers null.
 */
import type { Context } from '@aws-appsync/utils';
import { productView } from './lib/commerce';

export const pipeline = ['findProduct', 'audienceGate'];

export function request(_ctx: Context): unknown {
  return {};
}

export function response(ctx: Context): unknown {
  const product = ctx.stash.product as Record<string, unknown> | null;
  return product ? productView(product) : null;
}
