/** Mutation.publishStreamHealth (IAM only, NONE data source): echoes the input so subscribers receive it. */
import type { Context, NONERequest } from '@aws-appsync/utils';

export function request(ctx: Context<{ input: Record<string, unknown> }>): NONERequest {
  return { payload: ctx.args.input };
}

export function response(ctx: Context): unknown {
  return ctx.result;
}
