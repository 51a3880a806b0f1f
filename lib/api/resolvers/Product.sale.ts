/**
 * Product.sale: the sale of a SOLD product (who bought it, for how much, auction or buy-now), so
 * every viewer's card can say "Sold to @x for $y" and the buyer's can say what they won or bought.
 * No read for a product without a sale.
 */
import { runtime, util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { failOnError, saleView } from './lib/commerce';
import { saleKey } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context): DynamoDBGetItemRequest {
  const source = ctx.source as { saleId?: string | null };
  if (!source.saleId) {
    runtime.earlyReturn(null);
  }
  return { operation: 'GetItem', key: util.dynamodb.toMapValues(saleKey(source.saleId as string)) };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  return ctx.result ? saleView(ctx.result as Record<string, unknown>) : null;
}
