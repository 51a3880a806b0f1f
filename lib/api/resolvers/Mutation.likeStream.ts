/** Mutation.likeStream (NONE data source): a like pushed to onLike subscribers; not stored. */
import { util, type Context, type NONERequest } from '@aws-appsync/utils';
import { callerSub } from './lib/page';

export function request(ctx: Context<{ channelId: string }>): NONERequest {
  if (!callerSub(ctx)) {
    util.error('Sign in to like a stream.', 'UNAUTHORIZED');
  }
  return { payload: { channelId: ctx.args.channelId, likes: 1 } };
}

export function response(ctx: Context): unknown {
  return ctx.result;
}
