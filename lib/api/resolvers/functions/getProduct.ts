/** Pipeline step: reads the product named by args.productId or args.input.productId into stash.product. */
import { util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { failOnError } from '../lib/commerce';
import { productKey } from '../../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ productId?: string; input?: { productId: string } }>): DynamoDBGetItemRequest {
  const productId = ctx.args.productId ?? (ctx.args.input ? ctx.args.input.productId : '');
  return { operation: 'GetItem', key: util.dynamodb.toMapValues(productKey(productId)), consistentRead: true };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  if (!ctx.result) {
    util.error('No such product', 'NOT_FOUND');
  }
  ctx.stash.product = ctx.result;
  return ctx.result;
}
