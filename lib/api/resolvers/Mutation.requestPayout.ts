/**
 * Mutation.requestPayout: pipeline payoutRequestLoad → payoutEarningsLoad → payoutWrite → payoutRead.
 * Requests the caller's whole available earnings (at least the stage's minimum) and reserves it;
 * a retry with the same clientRequestId answers the same payout.
 */
import type { Context } from '@aws-appsync/utils';
import { requireUser } from './lib/commerce';
import { requireClientId } from './lib/economy';
import type { PayoutStash } from './functions/payoutRequestLoad';

export const pipeline = ['payoutRequestLoad', 'payoutEarningsLoad', 'payoutWrite', 'payoutRead'];

export function request(ctx: Context<{ clientRequestId: string }>): unknown {
  const me = requireUser(ctx);
  const stash = ctx.stash as PayoutStash;
  stash.payoutRequest = { me, clientRequestId: requireClientId(ctx.args.clientRequestId, 'clientRequestId') };
  return {};
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
