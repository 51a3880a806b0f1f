/** Query.adminLog (admins): every admin action, newest first (`ADMINLOG` / `<at>#<entryId>`). */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { ADMIN_LOG_PK } from '../../../lambdas/shared/domain/keys';
import { requireAdmin } from './lib/economy';
import { pageResponse, queryPage, type PageArgs } from './lib/page';
import { adminActionView } from './lib/safety';

export function request(ctx: Context<PageArgs>): DynamoDBQueryRequest {
  requireAdmin(ctx);
  return queryPage({ expression: 'PK = :pk', values: { ':pk': ADMIN_LOG_PK } }, ctx.args, { max: 100, fallback: 50 });
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx, adminActionView);
}
