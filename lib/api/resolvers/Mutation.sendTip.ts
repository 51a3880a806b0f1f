/**
 * Mutation.sendTip: a tip of any number of coins with an optional message, through the same
 * pipeline as sendGift (audienceGate → giftLoad → giftWrite → giftWriteRetry → giftReceipt).
 */
import type { Context } from '@aws-appsync/utils';
import { priceTip } from '../../../lambdas/shared/domain/economy';
import { startGift } from './lib/economy';

export const pipeline = ['audienceGate', 'giftLoad', 'giftWrite', 'giftWriteRetry', 'giftReceipt'];

export function request(
  ctx: Context<{ input: { channelId: string; coins: number; message?: string | null; clientGiftId: string } }>,
): unknown {
  const input = ctx.args.input;
  ctx.stash.channelId = input.channelId;
  return startGift(ctx, input, (economy) => priceTip(economy, input.coins, input.message));
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
