/** Query.suspensions (admins): suspensions in force, newest first (GSI1 `SUSPENDED`, sparse: a lift deletes the item). */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { SUSPENDED_PK } from '../../../lambdas/shared/domain/keys';
import { requireAdmin } from './lib/economy';
import { pageResponse, queryPage, type PageArgs } from './lib/page';
import { suspensionView } from './lib/safety';

export function request(ctx: Context<PageArgs>): DynamoDBQueryRequest {
  requireAdmin(ctx);
  return queryPage({ index: 'GSI1', expression: 'GSI1PK = :pk', values: { ':pk': SUSPENDED_PK } }, ctx.args, {
    max: 50,
  });
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx, suspensionView);
}
