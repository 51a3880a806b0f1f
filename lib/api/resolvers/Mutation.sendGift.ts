/**
 * Mutation.sendGift: pipeline audienceGate (only those who may watch a followers-only, private or
 * Preview stream gift to it) → giftLoad → giftWrite → giftWriteRetry → giftReceipt (docs/economy.md).
 * The gift is priced from the stage's catalog here; the pipeline checks the channel is live, moves
 * the coins in one transaction and answers the receipt (a retry of the same clientGiftId answers
 * the first gift and charges nothing).
 */
import type { Context } from '@aws-appsync/utils';
import { priceGift } from '../../../lambdas/shared/domain/economy';
import { startGift } from './lib/economy';

export const pipeline = ['audienceGate', 'giftLoad', 'giftWrite', 'giftWriteRetry', 'giftReceipt'];

export function request(
  ctx: Context<{ input: { channelId: string; giftId: string; count: number; clientGiftId: string } }>,
): unknown {
  const input = ctx.args.input;
  ctx.stash.channelId = input.channelId;
  return startGift(ctx, input, (economy) => priceGift(economy, input.giftId, input.count));
}

export function response(ctx: Context): unknown {
  return ctx.prev.result;
}
