/**
 * Mutation.decidePayout (admins): pipeline payoutGet → payoutDecide. PAID moves the reservation to
 * paid; REJECTED (a reason is required: the broadcaster reads it) returns it to the available
 * balance. The same decision again answers the payout unchanged; a different one is refused.
 */
import { util, type Context } from '@aws-appsync/utils';
import { requireAdmin } from './lib/economy';
import type { DecideStash } from './functions/payoutGet';

export const pipeline = ['payoutGet', 'payoutDecide'];

export function request(
  ctx: Context<{ payoutId: string; decision: 'PAID' | 'REJECTED'; reason?: string | null }>,
): unknown {
  const admin = requireAdmin(ctx);
  const reason = ctx.args.reason ? ctx.args.reason.trim() : '';
  if (ctx.args.decision === 'REJECTED' && !reason) {
    util.error('Say why the payout is rejected: the broadcaster reads the reason.', 'VALIDATION', null, {
      field: 'reason',
    });
  }
  if (reason.length > 500) {
    util.error('A reason is at most 500 characters.', 'VALIDATION', null, { field: 'reason' });
  }
  const stash = ctx.stash as DecideStash;
  stash.decide = { admin, payoutId: ctx.args.payoutId, decision: ctx.args.decision, reason: reason ? reason : null };
  return {};
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
