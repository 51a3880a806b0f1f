/** Query.moderators: the channel's `MOD#` items, for the streamer's control room. */
import type { Context, DynamoDBQueryRequest } from '@aws-appsync/utils';
import { channelMembersRequest, channelMembersResponse } from './lib/members';
import { SK_PREFIX } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ channelId: string }>): DynamoDBQueryRequest {
  return channelMembersRequest(ctx, SK_PREFIX.moderator, 'Only the streamer can list their moderators.');
}

export function response(ctx: Context): unknown {
  return channelMembersResponse(ctx);
}
