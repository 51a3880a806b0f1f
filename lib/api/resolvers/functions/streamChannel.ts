/**
 * Pipeline step: the channel of the stream session `args.streamId` into stash.channelId, for
 * audienceGate (a stream's sales are for those who may watch it). An unknown stream leaves an empty
 * channel, which has no profile: the gate lets it through and the next step finds nothing.
 */
import { util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { failOnError } from '../lib/errors';
import { streamSessionKey } from '../../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ streamId: string }>): DynamoDBGetItemRequest {
  return {
    operation: 'GetItem',
    key: util.dynamodb.toMapValues(streamSessionKey(ctx.args.streamId)),
    projection: { expression: '#userId', expressionNames: { '#userId': 'userId' } },
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const session = ctx.result as { userId?: string } | null;
  ctx.stash.channelId = session && session.userId ? session.userId : '';
  return null;
}
