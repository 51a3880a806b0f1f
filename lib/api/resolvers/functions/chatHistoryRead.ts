/**
 * Pipeline step of Query.chatHistory: a channel's last messages, oldest first, deletions applied
 * (the chat-history function keeps them from IVS Chat's room log). Items past their TTL are
 * filtered out: DynamoDB removes expired items only eventually.
 */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { failOnError } from '../lib/errors';
import { CHAT_HISTORY_LIMIT } from '../../../../lambdas/shared/domain/chat-history';
import { chatLogPartition } from '../../../../lambdas/shared/domain/keys';

export function request(ctx: Context<{ channelId: string; limit?: number | null }>): DynamoDBQueryRequest {
  const asked = ctx.args.limit ?? CHAT_HISTORY_LIMIT;
  if (asked < 1 || asked > CHAT_HISTORY_LIMIT) {
    util.error(`Ask for 1 to ${CHAT_HISTORY_LIMIT} messages.`, 'VALIDATION', null, { field: 'limit' });
  }
  return {
    operation: 'Query',
    query: {
      expression: 'PK = :pk',
      expressionValues: util.dynamodb.toMapValues({ ':pk': chatLogPartition(ctx.args.channelId) }),
    },
    filter: {
      expression: 'expiresAt > :now',
      expressionValues: util.dynamodb.toMapValues({ ':now': util.time.nowEpochSeconds() }),
    },
    scanIndexForward: false,
    limit: asked,
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const items = (ctx.result.items ?? []) as Record<string, unknown>[];
  return items.reverse().map((i) => ({
    messageId: i.messageId,
    userId: i.userId,
    handle: i.handle,
    role: i.role,
    content: i.content,
    sentAt: i.sentAt,
    deletedReason: i.deletedReason ?? null,
  }));
}
