/** Mutation.publishNotification (IAM only, NONE data source): pushes an inbox item, unread. */
import type { Context, NONERequest } from '@aws-appsync/utils';

export function request(ctx: Context<{ input: Record<string, unknown> }>): NONERequest {
  const payload: Record<string, unknown> = { read: false };
  Object.keys(ctx.args.input).forEach((k) => {
    payload[k] = ctx.args.input[k];
  });
  return { payload };
}

export function response(ctx: Context): unknown {
  return ctx.result;
}
