/** Mutation.publishGift (IAM only, NONE data source): the gift fan-out pushes an accepted gift to onGift subscribers. */
import type { Context, NONERequest } from '@aws-appsync/utils';

export function request(ctx: Context<{ input: Record<string, unknown> }>): NONERequest {
  return { payload: ctx.args.input };
}

export function response(ctx: Context): unknown {
  return ctx.result;
}
