/** Query.followers: a streamer's followers, newest first (GSI1 `USER#<id>#FOLLOWERS`, paged). */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { pageResponse, queryPage, type PageArgs } from './lib/page';
import { userFollowersPk } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ streamerId: string } & PageArgs>): DynamoDBQueryRequest {
  return queryPage(
    { index: 'GSI1', expression: 'GSI1PK = :pk', values: { ':pk': userFollowersPk(ctx.args.streamerId) } },
    ctx.args,
    { max: 100 },
  );
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx, (i) => ({ userId: i.followerId, handle: i.followerHandle, since: i.followedAt }));
}
