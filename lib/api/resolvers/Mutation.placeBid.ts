/**
 * Mutation.placeBid: pipeline placeBidFast (one conditional UpdateItem, no read) → loadBid →
 * placeBidWrite (the exact path, skipped when the fast write succeeded) → pruneBidIds (removes id
 * buckets an accepted write left below its floor, rarely needed). The steps share state through
 * ctx.stash as PlaceBidStash (lib/commerce.ts) says. docs/commerce.md, docs/decisions/bid-path.md.
 */
import type { Context } from '@aws-appsync/utils';
import { requireUser } from './lib/commerce';

export const pipeline = ['placeBidFast', 'loadBid', 'placeBidWrite', 'pruneBidIds'];

export function request(ctx: Context): unknown {
  requireUser(ctx);
  return {};
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
