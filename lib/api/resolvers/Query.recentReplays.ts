/**
 * Query.recentReplays: finished recordings of every streamer, newest first (GSI2 `RECORDINGS`,
 * sparse: only recordings in state AVAILABLE carry it).
 */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { raiseDataSourceError } from './lib/errors';

export function request(ctx: Context<{ limit?: number | null; nextToken?: string | null }>): DynamoDBQueryRequest {
  const limit = Math.min(Math.max(ctx.args.limit ?? 20, 1), 50);
  return {
    operation: 'Query',
    index: 'GSI2',
    query: {
      expression: 'GSI2PK = :pk',
      expressionValues: util.dynamodb.toMapValues({ ':pk': 'RECORDINGS' }),
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
