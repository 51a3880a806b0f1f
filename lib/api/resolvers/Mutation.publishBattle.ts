/**
 * Mutation.publishBattle (IAM only, NONE data source): the battles function pushes a battle's
 * whole state to one side's channel, so onBattle(channelId) subscribers of that channel get it.
 */
import type { Context, NONERequest } from '@aws-appsync/utils';

export function request(ctx: Context<{ input: Record<string, unknown> }>): NONERequest {
  return { payload: ctx.args.input };
}

export function response(ctx: Context): unknown {
  return ctx.result;
}
