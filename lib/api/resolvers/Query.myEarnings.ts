/** Query.myEarnings: the caller's earnings account and shards (one consistent Query) as Earnings. */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { SK_PREFIX, userPartition } from '../../../lambdas/shared/domain/keys';
import { failOnError, requireUser, type Item } from './lib/commerce';
import { earningsView, economyOf } from './lib/economy';

export function request(ctx: Context): DynamoDBQueryRequest {
  const me = requireUser(ctx);
  return {
    operation: 'Query',
    query: {
      expression: 'PK = :pk AND begins_with(SK, :prefix)',
      expressionValues: util.dynamodb.toMapValues({ ':pk': userPartition(me.sub), ':prefix': SK_PREFIX.earnings }),
    },
    consistentRead: true,
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const me = requireUser(ctx);
  return earningsView(me.sub, (ctx.result.items ?? []) as Item[], economyOf(ctx));
}
