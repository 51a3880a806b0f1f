/** Query.myPurchases: the caller's orders, newest first (`USER#<id>`, `ORDER#<soldAt>#<orderId>`). */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { requireUser } from './lib/commerce';
import { newestFirstPage, pageResponse, type PageArgs } from './lib/page';

export function request(ctx: Context<PageArgs>): DynamoDBQueryRequest {
  const me = requireUser(ctx);
  return newestFirstPage(`USER#${me.sub}`, 'ORDER#', ctx.args, { max: 100 });
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx);
}
