/** Query.payoutQueue (admins): payouts awaiting a decision, oldest first (GSI2 `PAYOUTS_REQUESTED`, sparse). */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { PAYOUTS_REQUESTED_PK } from '../../../lambdas/shared/domain/keys';
import { payoutView, requireAdmin } from './lib/economy';
import { pageResponse, queryPage } from './lib/page';

export function request(ctx: Context<{ nextToken?: string | null }>): DynamoDBQueryRequest {
  requireAdmin(ctx);
  return queryPage(
    { index: 'GSI2', expression: 'GSI2PK = :pk', values: { ':pk': PAYOUTS_REQUESTED_PK } },
    { nextToken: ctx.args.nextToken },
    { max: 50 },
    true,
  );
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx, payoutView);
}
