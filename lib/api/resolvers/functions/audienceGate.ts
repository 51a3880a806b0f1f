/**
 * Pipeline step: refuses the caller a followers-only, private or Preview stream's products, bids
 * and purchases as the playback token is refused them (lambdas/shared/domain/audience.ts), reading
 * the channel's profile and the caller's follow in one BatchGetItem. The channel is stash.channelId,
 * or stash.product's. A channel without a profile is left to the next step.
 */
import {
  runtime,
  util,
  type AppSyncIdentityCognito,
  type Context,
  type DynamoDBBatchGetItemRequest,
} from '@aws-appsync/utils';
import { failOnError, ownedHandle } from '../lib/commerce';
import { isAdmin } from '../../../../lambdas/shared/domain/economy';
import { watchVerdict, WATCH_REFUSALS, type AudienceFields } from '../../../../lambdas/shared/domain/audience';
import { followKey, profileKey } from '../../../../lambdas/shared/domain/keys';

const channelOf = (ctx: Context): string => {
  const product = ctx.stash.product as { channelId?: string } | null | undefined;
  return (ctx.stash.channelId as string | undefined) ?? (product ? (product.channelId ?? '') : '');
};

export function request(ctx: Context): DynamoDBBatchGetItemRequest {
  // A retried bid that was accepted passed this gate when it was placed: its stored answer is
  // given again without a read (placeBid's retries cost one read, docs/decisions/bid-path.md).
  if (ctx.stash.existingBid) runtime.earlyReturn(null);
  const channelId = channelOf(ctx);
  const identity = ctx.identity as AppSyncIdentityCognito | null;
  const keys = [util.dynamodb.toMapValues(profileKey(channelId))];
  if (identity && identity.sub) keys.push(util.dynamodb.toMapValues(followKey(identity.sub, channelId)));
  return {
    operation: 'BatchGetItem',
    tables: { [ctx.env.TABLE_NAME as string]: { keys, consistentRead: false } },
  } as unknown as DynamoDBBatchGetItemRequest;
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const items = ((ctx.result.data ?? {})[ctx.env.TABLE_NAME as string] ?? []) as (Record<string, unknown> | null)[];
  const profile = items.find((i) => !!i && i.SK === 'PROFILE');
  if (!profile) return null;
  const channelId = channelOf(ctx);
  const identity = ctx.identity as AppSyncIdentityCognito | null;
  const signedIn = !!identity && !!identity.sub;
  const verdict = watchVerdict(channelId, profile as AudienceFields, {
    userId: signedIn && identity ? identity.sub : undefined,
    handle: signedIn && identity ? ownedHandle(identity) : undefined,
    isAdmin: signedIn && identity ? isAdmin(identity.groups) : false,
    follows: items.some((i) => !!i && i.SK !== 'PROFILE'),
  });
  if (!verdict.allowed) {
    util.error(WATCH_REFUSALS[verdict.reason], 'FORBIDDEN', null, { reason: verdict.reason });
  }
  return null;
}
