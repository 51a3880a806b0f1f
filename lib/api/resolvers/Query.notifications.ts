/** Query.notifications: the caller's inbox, newest first (paged). */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { callerSub, newestFirstPage, pageResponse, type PageArgs } from './lib/page';
import { SK_PREFIX, userPartition } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context<PageArgs>): DynamoDBQueryRequest {
  return newestFirstPage(userPartition(callerSub(ctx)), SK_PREFIX.notification, ctx.args, { max: 100 });
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx);
}
