/** Query.moderationLog: the channel's moderation actions, newest first, paged; streamer only. */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { callerSub, pageLimit } from './lib/page';

export function request(ctx: Context<{ channelId: string; limit?: number | null; nextToken?: string | null }>): DynamoDBQueryRequest {
  if (callerSub(ctx) !== ctx.args.channelId) {
    util.error('Only the streamer can read the moderation log.', 'NOT_OWNER');
  }
  return {
    operation: 'Query',
    query: {
      expression: 'PK = :pk AND begins_with(SK, :prefix)',
      expressionValues: util.dynamodb.toMapValues({ ':pk': `CHANNEL#${ctx.args.channelId}`, ':prefix': 'MODLOG#' }),
    },
    scanIndexForward: false,
    limit: pageLimit(ctx.args.limit, 100),
    nextToken: ctx.args.nextToken ?? undefined,
  };
}

export function response(ctx: Context): unknown {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  return { items: ctx.result.items ?? [], nextToken: ctx.result.nextToken ?? null };
}
