/**
 * topGifters step 2: the tallies of the channel's current stream (`STREAM#<s>` / `GIFTER#<u>`),
 * biggest ten first; an offline channel has none. One page of up to 1,000 tallies is read: a
 * stream with more gifters than that ranks the first 1,000 by user id (docs/economy.md, limits).
 */
import { runtime, util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { topGifters } from '../../../../lambdas/shared/domain/economy';
import { SK_PREFIX, streamPartition } from '../../../../lambdas/shared/domain/keys';
import { failOnError, type Item } from '../lib/commerce';

export function request(ctx: Context): DynamoDBQueryRequest {
  const profile = ctx.stash.profile as Item | null;
  if (!profile || profile.status !== 'LIVE' || !profile.currentStreamId) {
    runtime.earlyReturn([]);
  }
  return {
    operation: 'Query',
    query: {
      expression: 'PK = :pk AND begins_with(SK, :prefix)',
      expressionValues: util.dynamodb.toMapValues({
        ':pk': streamPartition((profile as Item).currentStreamId),
        ':prefix': SK_PREFIX.gifter,
      }),
    },
    limit: 1000,
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const items = (ctx.result.items ?? []) as Item[];
  const tallies = items.map((i) => ({
    userId: i.userId as string,
    handle: i.handle as string,
    coins: i.coins as number,
    reachedAt: i.lastGiftAt as string,
  }));
  return topGifters(tallies, 10).map((t) => ({ userId: t.userId, handle: t.handle, coins: t.coins }));
}
