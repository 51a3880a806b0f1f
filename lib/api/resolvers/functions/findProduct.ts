/** Pipeline step: the product named by args.productId into stash.product, or null when there is none. */
import { util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { failOnError } from '../lib/commerce';
import { productKey } from '../../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ productId: string }>): DynamoDBGetItemRequest {
  return { operation: 'GetItem', key: util.dynamodb.toMapValues(productKey(ctx.args.productId)) };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  ctx.stash.product = ctx.result ? ctx.result : null;
  return ctx.stash.product;
}
