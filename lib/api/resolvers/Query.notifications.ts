/** Query.notifications: the caller's inbox, newest first (paged). */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { callerSub, newestFirstPage, pageResponse } from './lib/page';

export function request(ctx: Context<{ limit?: number | null; nextToken?: string | null }>): DynamoDBQueryRequest {
  return newestFirstPage(`USER#${callerSub(ctx)}`, 'NOTIF#', ctx.args, 100);
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx);
}
