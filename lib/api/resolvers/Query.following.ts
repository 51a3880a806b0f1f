/** Query.following: whom the caller follows, in streamer-id order (paged). */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { callerSub, pageResponse, queryPage, type PageArgs } from './lib/page';
import { SK_PREFIX, userPartition } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context<PageArgs>): DynamoDBQueryRequest {
  const key = {
    expression: 'PK = :pk AND begins_with(SK, :prefix)',
    values: { ':pk': userPartition(callerSub(ctx)), ':prefix': SK_PREFIX.follows },
  };
  return queryPage(key, ctx.args, { max: 100 }, true);
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx, (i) => ({ userId: i.streamerId, handle: i.streamerHandle, since: i.followedAt }));
}
