/** Pipeline step: reads the profile of channel `stash.channelId` into stash.profile (null if none). */
import { util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { profileKey } from '../../../../lambdas/shared/domain/keys';
import { failOnError } from '../lib/commerce';

export function request(ctx: Context): DynamoDBGetItemRequest {
  return { operation: 'GetItem', key: util.dynamodb.toMapValues(profileKey(ctx.stash.channelId as string)) };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  ctx.stash.profile = ctx.result ?? null;
  return ctx.result ?? null;
}
