/** Query.streamSession: one stream session (`STREAM#<id>`/`STREAM`). */
import { util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { failOnError } from './lib/errors';

export function request(ctx: Context<{ streamId: string }>): DynamoDBGetItemRequest {
  return { operation: 'GetItem', key: util.dynamodb.toMapValues({ PK: `STREAM#${ctx.args.streamId}`, SK: 'STREAM' }) };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  return ctx.result ?? null;
}
