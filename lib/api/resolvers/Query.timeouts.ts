/** Query.timeouts: the channel's members whose timeout has not ended yet, for the streamer's control room. */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { failOnError } from './lib/errors';
import { callerSub } from './lib/page';
import { channelPartition, SK_PREFIX } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ channelId: string }>): DynamoDBQueryRequest {
  if (callerSub(ctx) !== ctx.args.channelId) {
    util.error('Only the streamer can list timed-out viewers.', 'NOT_OWNER');
  }
  return {
    operation: 'Query',
    query: {
      expression: 'PK = :pk AND begins_with(SK, :prefix)',
      expressionValues: util.dynamodb.toMapValues({
        ':pk': channelPartition(ctx.args.channelId),
        ':prefix': SK_PREFIX.member,
      }),
    },
    filter: {
      expression: 'timeoutUntil > :now',
      expressionValues: util.dynamodb.toMapValues({ ':now': util.time.nowISO8601() }),
    },
    limit: 1000,
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const items = (ctx.result.items ?? []) as Record<string, unknown>[];
  return items.map((i) => ({
    userId: (i.SK as string).slice(7),
    handle: i.handle ?? null,
    since: i.timedOutAt ?? i.timeoutUntil,
    until: i.timeoutUntil,
    reason: i.timeoutReason ?? null,
  }));
}
