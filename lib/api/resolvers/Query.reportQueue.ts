/** Query.reportQueue (admins): report targets awaiting a decision, most recently reported first (GSI2 `REPORTS_OPEN`, sparse). */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { REPORTS_OPEN_PK } from '../../../lambdas/shared/domain/keys';
import { requireAdmin } from './lib/economy';
import { pageResponse, queryPage, type PageArgs } from './lib/page';
import { reportTargetView } from './lib/safety';

export function request(ctx: Context<PageArgs>): DynamoDBQueryRequest {
  requireAdmin(ctx);
  return queryPage({ index: 'GSI2', expression: 'GSI2PK = :pk', values: { ':pk': REPORTS_OPEN_PK } }, ctx.args, {
    max: 50,
  });
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx, reportTargetView);
}
