/**
 * Mutation.likeStream: one like on a live stream, counted on the streamer's profile (`likes`, set
 * to 0 when a stream starts and removed when it ends, by stream-state) and pushed to onLike
 * subscribers with the new total. Refused when the channel is not live.
 */
import { util, type Context, type DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import { callerSub } from './lib/page';
import { failOnError } from './lib/errors';
import { profileKey } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ channelId: string }>): DynamoDBUpdateItemRequest {
  if (!callerSub(ctx)) {
    util.error('Sign in to like a stream.', 'UNAUTHORIZED');
  }
  return {
    operation: 'UpdateItem',
    key: util.dynamodb.toMapValues(profileKey(ctx.args.channelId)),
    update: { expression: 'ADD likes :one', expressionValues: util.dynamodb.toMapValues({ ':one': 1 }) },
    condition: { expression: '#status = :live', expressionNames: { '#status': 'status' }, expressionValues: util.dynamodb.toMapValues({ ':live': 'LIVE' }) },
  };
}

export function response(ctx: Context<{ channelId: string }>): unknown {
  if (ctx.error) {
    if (ctx.error.type === 'DynamoDB:ConditionalCheckFailedException') {
      util.error('This stream is not live.', 'NOT_LIVE');
    }
    failOnError(ctx);
  }
  return { channelId: ctx.args.channelId, likes: ctx.result.likes };
}
