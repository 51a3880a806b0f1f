/** setBroadcasterTier step: the target user's account must exist (NOT_FOUND otherwise); its handle goes to the audit entry. */
import { util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { accountKey } from '../../../../lambdas/shared/domain/keys';
import { failOnError } from '../lib/commerce';

/** The tier pipelines' state in `ctx.stash`. */
export interface TierStash {
  tierChange: {
    admin: { sub: string; handle: string };
    /** Given (setBroadcasterTier) or found from the handle (tierHandle). */
    userId?: string;
    handle?: string;
    tier: 'STANDARD' | 'PREMIUM';
  };
}

export function request(ctx: Context): DynamoDBGetItemRequest {
  const userId = (ctx.stash as TierStash).tierChange.userId;
  if (!userId) util.error("Give the broadcaster's user id.", 'VALIDATION', null, { field: 'userId' });
  return { operation: 'GetItem', key: util.dynamodb.toMapValues(accountKey(userId as string)), consistentRead: true };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const stash = ctx.stash as TierStash;
  if (!ctx.result) {
    util.error('There is no user with that id.', 'NOT_FOUND');
  }
  if (!stash.tierChange.handle && ctx.result.handle) stash.tierChange.handle = ctx.result.handle as string;
  return null;
}
