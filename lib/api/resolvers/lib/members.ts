/** Shared by Query.moderators and Query.bans: a channel's member items under one SK prefix, owner only. */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { callerSub } from './page';
import { failOnError } from './errors';
import { channelPartition } from '../../../../lambdas/shared/domain/keys';

export function channelMembersRequest(
  ctx: Context<{ channelId: string }>,
  prefix: string,
  refusal: string,
): DynamoDBQueryRequest {
  if (callerSub(ctx) !== ctx.args.channelId) {
    util.error(refusal, 'NOT_OWNER');
  }
  return {
    operation: 'Query',
    query: {
      expression: 'PK = :pk AND begins_with(SK, :prefix)',
      expressionValues: util.dynamodb.toMapValues({ ':pk': channelPartition(ctx.args.channelId), ':prefix': prefix }),
    },
    limit: 1000,
  };
}

export function channelMembersResponse(ctx: Context): unknown {
  failOnError(ctx);
  const items = (ctx.result.items ?? []) as Record<string, unknown>[];
  return items.map((i) => ({
    userId: i.userId,
    handle: i.handle ?? null,
    since: i.since,
    until: i.until ?? null,
    reason: i.reason ?? null,
  }));
}
