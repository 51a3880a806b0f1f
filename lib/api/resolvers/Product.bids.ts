/** Product.bids: bid history newest first, paged (GSI2 `PRODUCT#<id>#BIDS`). */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { pageResponse, queryPage, type PageArgs } from './lib/page';
import { productBidsPk } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context<PageArgs>): DynamoDBQueryRequest {
  const source = ctx.source as { productId: string };
  return queryPage(
    { index: 'GSI2', expression: 'GSI2PK = :pk', values: { ':pk': productBidsPk(source.productId) } },
    ctx.args,
    { max: 100 },
  );
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx);
}
