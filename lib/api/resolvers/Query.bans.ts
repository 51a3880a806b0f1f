/** Query.bans: the channel's `BAN#` items, for the streamer's control room. */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { channelMembersRequest, channelMembersResponse } from './lib/members';
import { SK_PREFIX } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ channelId: string }>): DynamoDBQueryRequest {
  return channelMembersRequest(ctx, SK_PREFIX.ban, 'Only the streamer can list banned users.');
}

export function response(ctx: Context): unknown {
  return channelMembersResponse(ctx);
}
