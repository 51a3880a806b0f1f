/** Query.reportsOf (admins): the reports of one target, newest day first. */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { REPORT_SK_PREFIX, reportsPartition } from '../../../lambdas/shared/domain/keys';
import { requireAdmin } from './lib/economy';
import { newestFirstPage, pageResponse, type PageArgs } from './lib/page';
import { reportView } from './lib/safety';

export function request(ctx: Context<{ targetId: string } & PageArgs>): DynamoDBQueryRequest {
  requireAdmin(ctx);
  return newestFirstPage(reportsPartition(ctx.args.targetId), REPORT_SK_PREFIX, ctx.args, { max: 100, fallback: 50 });
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx, reportView);
}
