/** Query.streamSession: one stream session (`STREAM#<id>`/`STREAM`). */
import { util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { failOnError } from './lib/errors';
import { streamSessionKey } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ streamId: string }>): DynamoDBGetItemRequest {
  return { operation: 'GetItem', key: util.dynamodb.toMapValues(streamSessionKey(ctx.args.streamId)) };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  return ctx.result ?? null;
}
