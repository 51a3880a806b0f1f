/** Query.moderationLog: the channel's moderation actions, newest first, paged; streamer only. */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { callerSub, newestFirstPage, pageResponse, type PageArgs } from './lib/page';
import { channelPartition, SK_PREFIX } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ channelId: string } & PageArgs>): DynamoDBQueryRequest {
  if (callerSub(ctx) !== ctx.args.channelId) {
    util.error('Only the streamer can read the moderation log.', 'NOT_OWNER');
  }
  return newestFirstPage(channelPartition(ctx.args.channelId), SK_PREFIX.modLog, ctx.args, { max: 100 });
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx);
}
