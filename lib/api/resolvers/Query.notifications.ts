/** Query.notifications: the caller's inbox, newest first (paged). */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { callerSub, newestFirstPage, pageResponse, type PageArgs } from './lib/page';

export function request(ctx: Context<PageArgs>): DynamoDBQueryRequest {
  return newestFirstPage(`USER#${callerSub(ctx)}`, 'NOTIF#', ctx.args, { max: 100 });
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx);
}
