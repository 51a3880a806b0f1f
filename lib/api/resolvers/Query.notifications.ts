/** Query.notifications: the caller's inbox, newest first (paged). */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { callerSub, pageLimit } from './lib/page';

export function request(ctx: Context<{ limit?: number | null; nextToken?: string | null }>): DynamoDBQueryRequest {
  return {
    operation: 'Query',
    query: {
      expression: 'PK = :pk AND begins_with(SK, :prefix)',
      expressionValues: util.dynamodb.toMapValues({ ':pk': `USER#${callerSub(ctx)}`, ':prefix': 'NOTIF#' }),
    },
    scanIndexForward: false,
    limit: pageLimit(ctx.args.limit, 100),
    nextToken: ctx.args.nextToken ?? undefined,
  };
}

export function response(ctx: Context): unknown {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  return { items: ctx.result.items ?? [], nextToken: ctx.result.nextToken ?? null };
}
