/** Mutation.setBroadcasterTier (admins): pipeline tierTarget → tierWrite → tierEarnings; the broadcaster's earnings after the change. */
import type { Context } from '@aws-appsync/utils';
import { requireAdmin } from './lib/economy';
import type { TierStash } from './functions/tierTarget';

export const pipeline = ['tierTarget', 'tierWrite', 'tierEarnings'];

export function request(ctx: Context<{ userId: string; tier: 'STANDARD' | 'PREMIUM' }>): unknown {
  const admin = requireAdmin(ctx);
  const stash = ctx.stash as TierStash;
  stash.tierChange = { admin, userId: ctx.args.userId, tier: ctx.args.tier };
  return {};
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
