/** Query.product: one product (bid history via Product.bids). */
import { util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { failOnError, productView } from './lib/commerce';
import { productKey } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ productId: string }>): DynamoDBGetItemRequest {
  return { operation: 'GetItem', key: util.dynamodb.toMapValues(productKey(ctx.args.productId)) };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  return ctx.result ? productView(ctx.result) : null;
}
