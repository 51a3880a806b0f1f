/**
 * Query.streamHealth: the owner's latest health samples, oldest first for the control-room chart
 * (GSI1 `USER#<channelId>#HEALTH`). Only the channel's owner may read them.
 */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { callerSub, pageLimit } from './lib/page';
import { raiseDataSourceError } from './lib/errors';

export function request(ctx: Context<{ channelId: string; limit?: number | null }>): DynamoDBQueryRequest {
  if (callerSub(ctx) !== ctx.args.channelId) {
    util.error('Only the streamer can read their stream health.', 'NOT_OWNER');
  }
  return {
    operation: 'Query',
    index: 'GSI1',
    query: { expression: 'GSI1PK = :pk', expressionValues: util.dynamodb.toMapValues({ ':pk': `USER#${ctx.args.channelId}#HEALTH` }) },
    scanIndexForward: false,
    limit: pageLimit(ctx.args.limit ?? 60, 500),
  };
}

export function response(ctx: Context): unknown {
  if (ctx.error) {
    raiseDataSourceError(ctx.error);
  }
  const items = (ctx.result.items ?? []) as unknown[];
  return items.reverse();
}
