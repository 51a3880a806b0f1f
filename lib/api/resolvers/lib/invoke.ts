/**
 * Shared resolver for fields served by a Lambda data source: passes the standard direct-invoke
 * payload and maps the handler's `{ data } | { error }` answer (see lambdas/shared/errors.ts).
 */
import { util, type Context, type LambdaRequest } from '@aws-appsync/utils';
import { failOnError } from './errors';

export function request(ctx: Context): LambdaRequest {
  return {
    operation: 'Invoke',
    payload: {
      arguments: ctx.arguments,
      identity: ctx.identity,
      source: ctx.source,
      info: { fieldName: ctx.info.fieldName, parentTypeName: ctx.info.parentTypeName },
    },
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const result = ctx.result;
  if (result && result.error) {
    util.error(result.error.message, result.error.type, null, result.error.info);
  }
  return result ? result.data : null;
}
