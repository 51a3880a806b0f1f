/** Query.myCoinPurchases: the caller's coin checkouts, newest first (GSI1 `USER#<id>#COIN_PURCHASES`, `<createdAt>#<sessionId>`). */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { requireUser } from './lib/commerce';
import { pageResponse, queryPage, type PageArgs } from './lib/page';
import { userCoinPurchasesPk } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context<PageArgs>): DynamoDBQueryRequest {
  const me = requireUser(ctx);
  return queryPage(
    { index: 'GSI1', expression: 'GSI1PK = :pk', values: { ':pk': userCoinPurchasesPk(me.sub) } },
    ctx.args,
    { max: 50 },
  );
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx, (item) => ({
    sessionId: item.sessionId,
    packId: item.packId,
    coins: item.coins,
    amount: item.amount,
    currency: item.currency,
    status: item.status,
    refundedAmount: item.refundedAmount ?? 0,
    createdAt: item.createdAt,
  }));
}
