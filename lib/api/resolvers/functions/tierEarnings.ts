/** setBroadcasterTier last step: the broadcaster's earnings after the change (account + shards, consistent). */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { SK_PREFIX, userPartition } from '../../../../lambdas/shared/domain/keys';
import { failOnError, type Item } from '../lib/commerce';
import { earningsView, economyOf } from '../lib/economy';
import type { TierStash } from './tierTarget';

export function request(ctx: Context): DynamoDBQueryRequest {
  const userId = (ctx.stash as TierStash).tierChange.userId as string;
  return {
    operation: 'Query',
    query: {
      expression: 'PK = :pk AND begins_with(SK, :prefix)',
      expressionValues: util.dynamodb.toMapValues({ ':pk': userPartition(userId), ':prefix': SK_PREFIX.earnings }),
    },
    consistentRead: true,
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  return earningsView(
    (ctx.stash as TierStash).tierChange.userId as string,
    (ctx.result.items ?? []) as Item[],
    economyOf(ctx),
  );
}
