/**
 * Pipeline step of featureProduct / unfeatureProduct: one transaction sets (or clears) the
 * profile's featuredProductId and the product's featured flag, and clears the flag on the
 * previously featured product, so exactly one product of a channel is featured.
 */
import { util, type Context, type DynamoDBTransactWriteItemsRequest } from '@aws-appsync/utils';
import { productView, requireUser, type Item } from '../lib/commerce';
import { failOnError } from '../lib/errors';
import { productKey, profileKey } from '../../../../lambdas/shared/domain/keys';

export function request(ctx: Context): DynamoDBTransactWriteItemsRequest {
  const me = requireUser(ctx);
  const product = ctx.stash.product as Item;
  const profile = (ctx.stash.profile ?? {}) as Item;
  if (product.channelId !== me.sub) {
    util.error('Only the channel owner features products', 'NOT_OWNER');
  }
  const feature = ctx.info.fieldName === 'featureProduct';
  const now = util.time.nowISO8601();
  const table = ctx.env.TABLE_NAME as string;
  const items: Record<string, unknown>[] = [
    {
      table,
      operation: 'UpdateItem',
      key: util.dynamodb.toMapValues(productKey(product.productId)),
      update: {
        expression: 'SET featured = :f, updatedAt = :now',
        expressionValues: util.dynamodb.toMapValues({ ':f': feature, ':now': now }),
      },
      condition: { expression: 'attribute_exists(PK)' },
    },
  ];
  if (feature) {
    items.push({
      table,
      operation: 'UpdateItem',
      key: util.dynamodb.toMapValues(profileKey(me.sub)),
      update: {
        expression: 'SET featuredProductId = :p',
        expressionValues: util.dynamodb.toMapValues({ ':p': product.productId }),
      },
      condition: { expression: 'attribute_exists(PK)' },
    });
    if (profile.featuredProductId && profile.featuredProductId !== product.productId) {
      items.push({
        table,
        operation: 'UpdateItem',
        key: util.dynamodb.toMapValues(productKey(profile.featuredProductId)),
        update: { expression: 'SET featured = :f', expressionValues: util.dynamodb.toMapValues({ ':f': false }) },
        condition: { expression: 'attribute_exists(PK)' },
      });
    }
  } else if (profile.featuredProductId === product.productId) {
    items.push({
      table,
      operation: 'UpdateItem',
      key: util.dynamodb.toMapValues(profileKey(me.sub)),
      update: { expression: 'REMOVE featuredProductId' },
      condition: {
        expression: 'featuredProductId = :p',
        expressionValues: util.dynamodb.toMapValues({ ':p': product.productId }),
      },
    });
  }
  ctx.stash.updated = { ...product, featured: feature, updatedAt: now };
  return { operation: 'TransactWriteItems', transactItems: items } as unknown as DynamoDBTransactWriteItemsRequest;
}

export function response(ctx: Context): unknown {
  if (ctx.error) {
    const reasons = (ctx.result && ctx.result.cancellationReasons ? ctx.result.cancellationReasons : []) as {
      type: string;
    }[];
    if (reasons.some((r) => r.type === 'ConditionalCheckFailed' || r.type === 'TransactionConflict')) {
      util.error('The channel changed its featured product meanwhile; retry', 'CONFLICT');
    }
    failOnError(ctx);
  }
  return productView(ctx.stash.updated as Item);
}
