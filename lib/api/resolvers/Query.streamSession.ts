/** Query.streamSession: one stream session (`STREAM#<id>`/`STREAM`). */
import { util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';

export function request(ctx: Context<{ streamId: string }>): DynamoDBGetItemRequest {
  return { operation: 'GetItem', key: util.dynamodb.toMapValues({ PK: `STREAM#${ctx.args.streamId}`, SK: 'STREAM' }) };
}

export function response(ctx: Context): unknown {
  if (ctx.error) {
    util.error(ctx.error.message, ctx.error.type);
  }
  return ctx.result ?? null;
}
