/** Streamer.schedule: the streamer's upcoming, not cancelled scheduled streams (GSI2 `USER#<id>#SCHEDULE`). */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { failOnError } from './lib/errors';
import { userSchedulePk } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context): DynamoDBQueryRequest {
  const streamer = ctx.source as { userId: string };
  return {
    operation: 'Query',
    index: 'GSI2',
    query: {
      expression: 'GSI2PK = :pk AND GSI2SK >= :now',
      expressionValues: util.dynamodb.toMapValues({
        ':pk': userSchedulePk(streamer.userId),
        ':now': util.time.nowISO8601(),
      }),
    },
    filter: { expression: 'cancelled = :no', expressionValues: util.dynamodb.toMapValues({ ':no': false }) },
    limit: 50,
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  return ctx.result.items ?? [];
}
