/** Streamer.isFollowing: whether the signed-in caller follows this streamer; null for guests. */
import { runtime, util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { callerSub } from './lib/page';
import { failOnError } from './lib/errors';
import { followKey } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context): DynamoDBGetItemRequest {
  const me = callerSub(ctx);
  if (!me) {
    runtime.earlyReturn(null);
  }
  const streamer = ctx.source as { userId: string };
  return { operation: 'GetItem', key: util.dynamodb.toMapValues(followKey(me, streamer.userId)) };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  return !!ctx.result;
}
