/** Query.myBids: the caller's bids, newest first (GSI1 `USER#<id>#BIDS`). */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { failOnError, requireUser, type Item } from './lib/commerce';

export function request(ctx: Context<{ limit?: number | null; nextToken?: string | null }>): DynamoDBQueryRequest {
  const me = requireUser(ctx);
  return {
    operation: 'Query',
    index: 'GSI1',
    query: { expression: 'GSI1PK = :pk', expressionValues: util.dynamodb.toMapValues({ ':pk': `USER#${me.sub}#BIDS` }) },
    scanIndexForward: false,
    limit: Math.min(Math.max(ctx.args.limit ?? 20, 1), 100),
    nextToken: ctx.args.nextToken ?? undefined,
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const items = ((ctx.result.items ?? []) as Item[]).map((b) => ({
    bidId: b.bidId, productId: b.productId, channelId: b.channelId, bidderId: b.bidderId, bidderHandle: b.bidderHandle,
    amount: b.amount, currency: b.currency, placedAt: b.placedAt,
  }));
  return { items, nextToken: ctx.result.nextToken ?? null };
}
