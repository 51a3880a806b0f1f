/** Query.followers: a streamer's followers, newest first (GSI1 `USER#<id>#FOLLOWERS`, paged). */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { pageLimit } from './lib/page';
import { raiseDataSourceError } from './lib/errors';

export function request(ctx: Context<{ streamerId: string; limit?: number | null; nextToken?: string | null }>): DynamoDBQueryRequest {
  return {
    operation: 'Query',
    index: 'GSI1',
    query: { expression: 'GSI1PK = :pk', expressionValues: util.dynamodb.toMapValues({ ':pk': `USER#${ctx.args.streamerId}#FOLLOWERS` }) },
    scanIndexForward: false,
    limit: pageLimit(ctx.args.limit, 100),
    nextToken: ctx.args.nextToken ?? undefined,
  };
}

export function response(ctx: Context): unknown {
  if (ctx.error) {
    raiseDataSourceError(ctx.error);
  }
  const items = (ctx.result.items ?? []) as { followerId: string; followerHandle: string; followedAt: string }[];
  return {
    items: items.map((i) => ({ userId: i.followerId, handle: i.followerHandle, since: i.followedAt })),
    nextToken: ctx.result.nextToken ?? null,
  };
}
