/** Query.following: whom the caller follows, in streamer-id order (paged). */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { callerSub, pageLimit } from './lib/page';
import { raiseDataSourceError } from './lib/errors';

export function request(ctx: Context<{ limit?: number | null; nextToken?: string | null }>): DynamoDBQueryRequest {
  return {
    operation: 'Query',
    query: {
      expression: 'PK = :pk AND begins_with(SK, :prefix)',
      expressionValues: util.dynamodb.toMapValues({ ':pk': `USER#${callerSub(ctx)}`, ':prefix': 'FOLLOWS#' }),
    },
    limit: pageLimit(ctx.args.limit, 100),
    nextToken: ctx.args.nextToken ?? undefined,
  };
}

export function response(ctx: Context): unknown {
  if (ctx.error) {
    raiseDataSourceError(ctx.error);
  }
  const items = (ctx.result.items ?? []) as { streamerId: string; streamerHandle: string; followedAt: string }[];
  return {
    items: items.map((i) => ({ userId: i.streamerId, handle: i.streamerHandle, since: i.followedAt })),
    nextToken: ctx.result.nextToken ?? null,
  };
}
