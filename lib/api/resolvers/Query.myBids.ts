/** Query.myBids: the caller's bids, newest first (GSI1 `USER#<id>#BIDS`). */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { requireUser } from './lib/commerce';
import { pageResponse, queryPage, type PageArgs } from './lib/page';
import { userBidsPk } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context<PageArgs>): DynamoDBQueryRequest {
  const me = requireUser(ctx);
  return queryPage({ index: 'GSI1', expression: 'GSI1PK = :pk', values: { ':pk': userBidsPk(me.sub) } }, ctx.args, {
    max: 100,
  });
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx, (b) => ({
    bidId: b.bidId,
    productId: b.productId,
    channelId: b.channelId,
    bidderId: b.bidderId,
    bidderHandle: b.bidderHandle,
    amount: b.amount,
    currency: b.currency,
    placedAt: b.placedAt,
  }));
}
