/**
 * Mutation.sendTip: a tip of any number of coins with an optional message, through the same
 * pipeline as sendGift (giftLoad → giftWrite → giftWriteRetry → giftReceipt).
 */
import type { Context } from '@aws-appsync/utils';
import { isRefusal, priceTip } from '../../../lambdas/shared/domain/economy';
import { requireUser } from './lib/commerce';
import { economyOf, refuse, requireClientId } from './lib/economy';
import type { GiftStash } from './functions/giftLoad';

export const pipeline = ['giftLoad', 'giftWrite', 'giftWriteRetry', 'giftReceipt'];

export function request(ctx: Context<{ input: { channelId: string; coins: number; message?: string | null; clientGiftId: string } }>): unknown {
  const me = requireUser(ctx);
  const input = ctx.args.input;
  const clientGiftId = requireClientId(input.clientGiftId, 'clientGiftId');
  const priced = priceTip(economyOf(ctx), input.coins, input.message);
  if (isRefusal(priced)) refuse(priced);
  const stash = ctx.stash as GiftStash;
  stash.gift = { me, channelId: input.channelId, clientGiftId, priced: priced as Exclude<typeof priced, { code: string }> };
  return {};
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
