/** Mutation.setBroadcasterTierByHandle (admins): pipeline tierHandle → tierTarget → tierWrite → tierEarnings. */
import type { Context } from '@aws-appsync/utils';
import { requireAdmin } from './lib/economy';
import type { TierStash } from './functions/tierTarget';

export const pipeline = ['tierHandle', 'tierTarget', 'tierWrite', 'tierEarnings'];

export function request(ctx: Context<{ handle: string; tier: 'STANDARD' | 'PREMIUM' }>): unknown {
  const admin = requireAdmin(ctx);
  const stash = ctx.stash as TierStash;
  stash.tierChange = { admin, handle: ctx.args.handle.trim(), tier: ctx.args.tier };
  return {};
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
