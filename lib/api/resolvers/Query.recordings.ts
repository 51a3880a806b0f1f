/**
 * Query.recordings: a streamer's recordings, newest first (GSI1 `USER#<id>#RECORDINGS`). Items
 * carry thumbnailUrl, durationMs and saleCount as the recording-state and sale-markers functions
 * wrote them.
 */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { raiseDataSourceError } from './lib/errors';

export function request(ctx: Context<{ userId: string; limit?: number | null; nextToken?: string | null }>): DynamoDBQueryRequest {
  const limit = Math.min(Math.max(ctx.args.limit ?? 20, 1), 50);
  return {
    operation: 'Query',
    index: 'GSI1',
    query: {
      expression: 'GSI1PK = :pk',
      expressionValues: util.dynamodb.toMapValues({ ':pk': `USER#${ctx.args.userId}#RECORDINGS` }),
    },
    scanIndexForward: false,
    limit,
    nextToken: ctx.args.nextToken ?? undefined,
  };
}

export function response(ctx: Context): unknown {
  if (ctx.error) {
    raiseDataSourceError(ctx.error);
  }
  return { items: ctx.result.items ?? [], nextToken: ctx.result.nextToken ?? null };
}
