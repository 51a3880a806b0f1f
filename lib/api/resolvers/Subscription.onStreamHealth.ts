/** Subscription.onStreamHealth (NONE data source): only the channel's owner sees its health. */
import { util, type Context, type NONERequest } from '@aws-appsync/utils';
import { callerSub } from './lib/page';

export function request(ctx: Context<{ channelId: string }>): NONERequest {
  if (callerSub(ctx) !== ctx.args.channelId) {
    util.unauthorized();
  }
  return { payload: null };
}

export function response(_ctx: Context): unknown {
  return null;
}
