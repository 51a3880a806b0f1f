/** Pipeline step: reads the profile of stash.product's channel into stash.profile (null if none). */
import { util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { failOnError } from '../lib/commerce';
import { profileKey } from '../../../../lambdas/shared/domain/keys';

export function request(ctx: Context): DynamoDBGetItemRequest {
  const product = ctx.stash.product as { channelId: string };
  return { operation: 'GetItem', key: util.dynamodb.toMapValues(profileKey(product.channelId)), consistentRead: true };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  ctx.stash.profile = ctx.result ?? null;
  return ctx.result ?? null;
}
