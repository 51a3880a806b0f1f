/**
 * Pipeline step of startAuction: the user ids banned from stash.product's channel (`BAN#` items,
 * the key CHAT's moderation writes) into stash.bannedIds, copied onto the product as
 * `bannedBidders`, so placeBid refuses them from the product it reads (no ban lookup per bid). Later bans reach open products
 * from chat moderation (lambdas/chat-moderation/bidding-bans.ts). One page (1 MB of ban keys) is read.
 */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { failOnError } from '../lib/commerce';
import { channelPartition, SK_PREFIX } from '../../../../lambdas/shared/domain/keys';

export function request(ctx: Context): DynamoDBQueryRequest {
  const product = ctx.stash.product as { channelId: string };
  return {
    operation: 'Query',
    query: {
      expression: 'PK = :pk AND begins_with(SK, :ban)',
      expressionValues: util.dynamodb.toMapValues({
        ':pk': channelPartition(product.channelId),
        ':ban': SK_PREFIX.ban,
      }),
    },
    projection: { expression: 'SK' },
    consistentRead: true,
  } as DynamoDBQueryRequest;
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const items = (ctx.result.items ?? []) as { SK: string }[];
  const ids = items.map((i) => i.SK.slice(4));
  ctx.stash.bannedIds = ids;
  return ids;
}
