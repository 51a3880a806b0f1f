/** Query.chatSettings: a channel's public chat settings (slow mode, pinned message, blocked-word policy). */
import { util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { failOnError } from './lib/errors';
import { chatSettingsKey } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ channelId: string }>): DynamoDBGetItemRequest {
  return { operation: 'GetItem', key: util.dynamodb.toMapValues(chatSettingsKey(ctx.args.channelId)) };
}

export function response(ctx: Context<{ channelId: string }>): unknown {
  failOnError(ctx);
  const item = ctx.result;
  if (!item) return null;
  return {
    channelId: ctx.args.channelId,
    slowModeSeconds: item.slowModeSeconds ?? 0,
    autoSlowModeViewerThreshold: item.autoSlowModeViewerThreshold ?? null,
    autoSlowModeSeconds: item.autoSlowModeSeconds ?? null,
    blockedWords: item.blockedWords ?? [],
    blockedWordsAction: item.blockedWordsAction ?? 'MASK',
    maxMessageLength: item.maxMessageLength ?? 500,
    pinnedMessage: item.pinnedMessage ?? null,
  };
}
