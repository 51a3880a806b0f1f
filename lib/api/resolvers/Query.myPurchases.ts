/** Query.myPurchases: the caller's orders, newest first (`USER#<id>`, `ORDER#<soldAt>#<orderId>`). */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { requireUser } from './lib/commerce';
import { newestFirstPage, pageResponse, type PageArgs } from './lib/page';
import { SK_PREFIX, userPartition } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context<PageArgs>): DynamoDBQueryRequest {
  const me = requireUser(ctx);
  return newestFirstPage(userPartition(me.sub), SK_PREFIX.order, ctx.args, { max: 100 });
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx);
}
