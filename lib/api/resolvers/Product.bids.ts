/** Product.bids: bid history newest first, paged (GSI2 `PRODUCT#<id>#BIDS`). */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { failOnError } from './lib/commerce';

export function request(ctx: Context<{ limit?: number | null; nextToken?: string | null }>): DynamoDBQueryRequest {
  const source = ctx.source as { productId: string };
  return {
    operation: 'Query',
    index: 'GSI2',
    query: { expression: 'GSI2PK = :pk', expressionValues: util.dynamodb.toMapValues({ ':pk': `PRODUCT#${source.productId}#BIDS` }) },
    scanIndexForward: false,
    limit: Math.min(Math.max(ctx.args.limit ?? 20, 1), 100),
    nextToken: ctx.args.nextToken ?? undefined,
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  return { items: ctx.result.items ?? [], nextToken: ctx.result.nextToken ?? null };
}
