/** setBroadcasterTierByHandle step 1: the user id a handle belongs to (NOT_FOUND when none). */
import { util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { handleKey } from '../../../../lambdas/shared/domain/keys';
import { failOnError } from '../lib/commerce';
import type { TierStash } from './tierTarget';

export function request(ctx: Context): DynamoDBGetItemRequest {
  const handle = (ctx.stash as TierStash).tierChange.handle as string;
  if (!handle) util.error("Give the broadcaster's handle.", 'VALIDATION', null, { field: 'handle' });
  return { operation: 'GetItem', key: util.dynamodb.toMapValues(handleKey(handle)), consistentRead: true };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const stash = ctx.stash as TierStash;
  if (!ctx.result || !ctx.result.userId) {
    util.error(`No one has the handle @${stash.tierChange.handle as string}.`, 'NOT_FOUND');
  }
  stash.tierChange.userId = ctx.result.userId as string;
  return null;
}
