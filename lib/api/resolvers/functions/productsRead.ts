/** Pipeline step of Query.products: the channel's products, featured first, then open auctions, then newest. */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { failOnError, productView, type Item } from '../lib/commerce';
import { channelProductsPk } from '../../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ channelId: string }>): DynamoDBQueryRequest {
  return {
    operation: 'Query',
    index: 'GSI1',
    query: {
      expression: 'GSI1PK = :pk',
      expressionValues: util.dynamodb.toMapValues({ ':pk': channelProductsPk(ctx.args.channelId) }),
    },
    scanIndexForward: false,
    limit: 200,
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const items = (ctx.result.items ?? []) as Item[];
  const views = items.map((i) => productView(i));
  // Items arrive newest first; each group keeps that order.
  const featured = views.filter((p) => p.featured);
  const open = views.filter((p) => !p.featured && p.status === 'AUCTION_OPEN');
  const rest = views.filter((p) => !p.featured && p.status !== 'AUCTION_OPEN');
  return [...featured, ...open, ...rest];
}
