/**
 * Mutation.placeBid: pipeline loadBid (the product and any bid under the client's bid id, one
 * consistent read) → placeBidWrite (the stored answer, a typed refusal, or one transaction writing
 * the bid item and the product), with audienceGate between them (the bidder must be one who may
 * watch the stream: docs/safety.md). The steps share state through ctx.stash as PlaceBidStash
 * (lib/bids.ts) says. docs/commerce.md, docs/decisions/bid-path.md.
 */
import type { Context } from '@aws-appsync/utils';
import { validateBidInput, type PlaceBidInput } from './lib/bids';
import { requireUser } from './lib/commerce';

export const pipeline = ['loadBid', 'audienceGate', 'placeBidWrite'];

/** The caller and the input rules, once, before any read. */
export function request(ctx: Context<{ input: PlaceBidInput }>): unknown {
  requireUser(ctx);
  validateBidInput(ctx.args.input);
  return {};
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
