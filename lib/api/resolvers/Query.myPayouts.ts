/** Query.myPayouts: the caller's payout requests, newest first (GSI1 `USER#<id>#PAYOUTS`). */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { userPayoutsPk } from '../../../lambdas/shared/domain/keys';
import { requireUser } from './lib/commerce';
import { payoutView } from './lib/economy';
import { pageResponse, queryPage } from './lib/page';

export function request(ctx: Context<{ nextToken?: string | null }>): DynamoDBQueryRequest {
  const me = requireUser(ctx);
  return queryPage(
    { index: 'GSI1', expression: 'GSI1PK = :pk', values: { ':pk': userPayoutsPk(me.sub) } },
    { nextToken: ctx.args.nextToken },
    { max: 50 },
  );
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx, payoutView);
}
