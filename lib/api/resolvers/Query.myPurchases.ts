/** Query.myPurchases: the caller's orders, newest first (`USER#<id>`, `ORDER#<soldAt>#<orderId>`). */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { failOnError, requireUser } from './lib/commerce';

export function request(ctx: Context<{ limit?: number | null; nextToken?: string | null }>): DynamoDBQueryRequest {
  const me = requireUser(ctx);
  return {
    operation: 'Query',
    query: {
      expression: 'PK = :pk AND begins_with(SK, :prefix)',
      expressionValues: util.dynamodb.toMapValues({ ':pk': `USER#${me.sub}`, ':prefix': 'ORDER#' }),
    },
    scanIndexForward: false,
    limit: Math.min(Math.max(ctx.args.limit ?? 20, 1), 100),
    nextToken: ctx.args.nextToken ?? undefined,
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  return { items: ctx.result.items ?? [], nextToken: ctx.result.nextToken ?? null };
}
