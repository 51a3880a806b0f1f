/** Query.salesOfStream: sales of one stream session in time order (GSI1 `STREAM#<id>#SALES`). */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { failOnError, saleView, type Item } from './lib/commerce';

export function request(ctx: Context<{ streamId: string; limit?: number | null; nextToken?: string | null }>): DynamoDBQueryRequest {
  return {
    operation: 'Query',
    index: 'GSI1',
    query: { expression: 'GSI1PK = :pk', expressionValues: util.dynamodb.toMapValues({ ':pk': `STREAM#${ctx.args.streamId}#SALES` }) },
    limit: Math.min(Math.max(ctx.args.limit ?? 50, 1), 200),
    nextToken: ctx.args.nextToken ?? undefined,
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  return { items: ((ctx.result.items ?? []) as Item[]).map((i) => saleView(i)), nextToken: ctx.result.nextToken ?? null };
}
