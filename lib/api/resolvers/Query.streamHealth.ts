/**
 * Query.streamHealth: the owner's latest health samples, oldest first for the control-room chart
 * (GSI1 `USER#<channelId>#HEALTH`). Only the channel's owner may read them.
 */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { failOnError } from './lib/errors';
import { callerSub, queryPage } from './lib/page';
import { userHealthPk } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ channelId: string; limit?: number | null }>): DynamoDBQueryRequest {
  if (callerSub(ctx) !== ctx.args.channelId) {
    util.error('Only the streamer can read their stream health.', 'NOT_OWNER');
  }
  // The latest samples: newest first from DynamoDB, reversed below for the chart; no further pages.
  return queryPage(
    { index: 'GSI1', expression: 'GSI1PK = :pk', values: { ':pk': userHealthPk(ctx.args.channelId) } },
    { limit: ctx.args.limit },
    { max: 500, fallback: 60 },
  );
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const items = (ctx.result.items ?? []) as unknown[];
  return items.reverse();
}
