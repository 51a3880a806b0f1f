/** Subscription.onNotification (NONE data source): a user subscribes to their own notifications only. */
import { util, type Context, type NONERequest } from '@aws-appsync/utils';
import { callerSub } from './lib/page';

export function request(ctx: Context<{ userId: string }>): NONERequest {
  if (!callerSub(ctx) || callerSub(ctx) !== ctx.args.userId) {
    util.unauthorized();
  }
  return { payload: null };
}

export function response(_ctx: Context): unknown {
  return null;
}
