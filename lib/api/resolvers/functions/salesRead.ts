/** Pipeline step of Query.salesOfStream: sales of one stream session in time order (GSI1 `STREAM#<id>#SALES`). */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { saleView } from '../lib/commerce';
import { pageResponse, queryPage, type PageArgs } from '../lib/page';
import { streamSalesPk } from '../../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ streamId: string } & PageArgs>): DynamoDBQueryRequest {
  const key = { index: 'GSI1', expression: 'GSI1PK = :pk', values: { ':pk': streamSalesPk(ctx.args.streamId) } };
  return queryPage(key, ctx.args, { max: 200, fallback: 50 }, true);
}

export function response(ctx: Context): unknown {
  return pageResponse(ctx, (i) => saleView(i));
}
