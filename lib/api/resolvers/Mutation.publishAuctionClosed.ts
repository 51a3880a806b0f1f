/**
 * Mutation.publishAuctionClosed (IAM only, NONE data source): the auction sweeper announces a
 * close so onAuctionClosed subscribers of the channel hear it. The sale itself is read by id
 * (Query.salesOfStream / product.saleId); the event carries outcome and ids only.
 */
import type { Context, NONERequest } from '@aws-appsync/utils';

type Input = { channelId: string; productId: string; outcome: string; saleId?: string | null };

export function request(ctx: Context<{ input: Input }>): NONERequest {
  const input = ctx.args.input;
  return {
    payload: {
      channelId: input.channelId,
      productId: input.productId,
      outcome: input.outcome,
      sale: null,
      saleId: input.saleId ?? null,
    },
  };
}

export function response(ctx: Context): unknown {
  return ctx.result;
}
