/**
 * Pipeline step every mutation a signed-in user can call runs first (ACCOUNT_GATE in
 * lib/api/resolver-files.ts adds it; docs/safety.md, "Bans"): a banned account is refused with the
 * ban's reason. Disabling the Cognito user and signing it out stops new tokens, but an ID or access
 * token already issued stays valid for AppSync until it expires (up to an hour), so the ban is read
 * here, from the suspension item the ban wrote. Eventually consistent: a ban applies within a second.
 * Callers without a user pool identity (IAM guests) pass without a read; so does a suspension that is
 * not a ban (a suspended streamer still watches, chats and buys).
 */
import {
  runtime,
  util,
  type AppSyncIdentityCognito,
  type Context,
  type DynamoDBGetItemRequest,
} from '@aws-appsync/utils';
import { failOnError } from '../lib/errors';
import { suspensionKey } from '../../../../lambdas/shared/domain/keys';
import { ACCOUNT_BANNED, accountBannedMessage } from '../../../../lambdas/shared/domain/safety';

export function request(ctx: Context): DynamoDBGetItemRequest {
  const identity = ctx.identity as AppSyncIdentityCognito | null;
  if (!identity || !identity.sub) {
    runtime.earlyReturn(ctx.prev.result);
  }
  return {
    operation: 'GetItem',
    key: util.dynamodb.toMapValues(suspensionKey(identity.sub)),
    projection: { expression: '#banned, #reason', expressionNames: { '#banned': 'banned', '#reason': 'reason' } },
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const suspension = ctx.result as { banned?: boolean; reason?: string } | null;
  if (suspension && suspension.banned === true) {
    util.error(accountBannedMessage(suspension.reason), ACCOUNT_BANNED);
  }
  return ctx.prev.result;
}
