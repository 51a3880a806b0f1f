/**
 * Mutation.sendGift: pipeline giftLoad → giftWrite → giftWriteRetry → giftReceipt (docs/economy.md).
 * The gift is priced from the stage's catalog here; the pipeline checks the channel is live, moves
 * the coins in one transaction and answers the receipt (a retry of the same clientGiftId answers
 * the first gift and charges nothing).
 */
import type { Context } from '@aws-appsync/utils';
import { isRefusal, priceGift } from '../../../lambdas/shared/domain/economy';
import { requireUser } from './lib/commerce';
import { economyOf, refuse, requireClientId } from './lib/economy';
import type { GiftStash } from './functions/giftLoad';

export const pipeline = ['giftLoad', 'giftWrite', 'giftWriteRetry', 'giftReceipt'];

export function request(ctx: Context<{ input: { channelId: string; giftId: string; count: number; clientGiftId: string } }>): unknown {
  const me = requireUser(ctx);
  const input = ctx.args.input;
  const clientGiftId = requireClientId(input.clientGiftId, 'clientGiftId');
  const priced = priceGift(economyOf(ctx), input.giftId, input.count);
  if (isRefusal(priced)) refuse(priced);
  const stash = ctx.stash as GiftStash;
  stash.gift = { me, channelId: input.channelId, clientGiftId, priced: priced as Exclude<typeof priced, { code: string }> };
  return {};
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
