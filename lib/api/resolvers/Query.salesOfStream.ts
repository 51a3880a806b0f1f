/**
 * Query.salesOfStream: pipeline streamChannel (the stream's channel) → audienceGate (a
 * followers-only, private or Preview stream's sales are for those who may watch it, as its
 * products are) → salesRead (the sales in time order).
 */
import type { Context } from '@aws-appsync/utils';

export const pipeline = ['streamChannel', 'audienceGate', 'salesRead'];

export function request(_ctx: Context): unknown {
  return {};
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
