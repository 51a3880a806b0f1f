/** Query.upcomingStreams: scheduled streams from now on, soonest first (GSI1 `SCHEDULED`). */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { pageLimit } from './lib/page';
import { raiseDataSourceError } from './lib/errors';

export function request(ctx: Context<{ limit?: number | null; nextToken?: string | null }>): DynamoDBQueryRequest {
  return {
    operation: 'Query',
    index: 'GSI1',
    query: {
      expression: 'GSI1PK = :pk AND GSI1SK >= :now',
      expressionValues: util.dynamodb.toMapValues({ ':pk': 'SCHEDULED', ':now': util.time.nowISO8601() }),
    },
    scanIndexForward: true,
    limit: pageLimit(ctx.args.limit, 50),
    nextToken: ctx.args.nextToken ?? undefined,
  };
}

export function response(ctx: Context): unknown {
  if (ctx.error) {
    raiseDataSourceError(ctx.error);
  }
  return { items: ctx.result.items ?? [], nextToken: ctx.result.nextToken ?? null };
}
