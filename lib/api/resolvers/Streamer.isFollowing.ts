/** Streamer.isFollowing: whether the signed-in caller follows this streamer; null for guests. */
import { runtime, util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { callerSub } from './lib/page';
import { failOnError } from './lib/errors';

export function request(ctx: Context): DynamoDBGetItemRequest {
  const me = callerSub(ctx);
  if (!me) {
    runtime.earlyReturn(null);
  }
  const streamer = ctx.source as { userId: string };
  return { operation: 'GetItem', key: util.dynamodb.toMapValues({ PK: `USER#${me}`, SK: `FOLLOWS#${streamer.userId}` }) };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  return !!ctx.result;
}
