/** Mutation.cancelScheduledStream: the owner cancels; the item leaves the upcoming list (GSI1 removed). */
import { util, type Context, type DynamoDBUpdateItemRequest } from '@aws-appsync/utils';
import { callerSub } from './lib/page';
import { failOnError } from './lib/errors';
import { scheduleKey } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ scheduleId: string }>): DynamoDBUpdateItemRequest {
  return {
    operation: 'UpdateItem',
    key: util.dynamodb.toMapValues(scheduleKey(ctx.args.scheduleId)),
    update: {
      expression: 'SET cancelled = :yes, updatedAt = :now REMOVE GSI1PK, GSI1SK',
      expressionValues: util.dynamodb.toMapValues({ ':yes': true, ':now': util.time.nowISO8601() }),
    },
    condition: { expression: 'userId = :me', expressionValues: util.dynamodb.toMapValues({ ':me': callerSub(ctx) }) },
  };
}

export function response(ctx: Context): unknown {
  if (ctx.error) {
    if (ctx.error.type === 'DynamoDB:ConditionalCheckFailedException') {
      util.error('No scheduled stream of yours has this id.', 'NOT_FOUND');
    }
    failOnError(ctx);
  }
  return ctx.result;
}
