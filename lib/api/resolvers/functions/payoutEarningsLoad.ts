/**
 * requestPayout step 2: the caller's earnings (account + shards, one consistent Query) and the
 * payout rule: the whole available balance, at least the minimum. The account's `version` goes
 * to the plan: the write reserves only if no other reservation landed in between. Earnings only
 * grow between this read and the write, so the balance read is never more than what is there.
 */
import { runtime, util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { availableMinor, payoutRefusal } from '../../../../lambdas/shared/domain/economy';
import { idFromUuid } from '../../../../lambdas/shared/domain/ids';
import { SK_PREFIX, userPartition } from '../../../../lambdas/shared/domain/keys';
import { failOnError, type Item } from '../lib/commerce';
import { earningsTotals, economyOf, refuse } from '../lib/economy';
import type { PayoutStash } from './payoutRequestLoad';

export function request(ctx: Context): DynamoDBQueryRequest {
  const stash = ctx.stash as PayoutStash;
  if (stash.payoutId) runtime.earlyReturn(null);
  return {
    operation: 'Query',
    query: {
      expression: 'PK = :pk AND begins_with(SK, :prefix)',
      expressionValues: util.dynamodb.toMapValues({
        ':pk': userPartition(stash.payoutRequest.me.sub),
        ':prefix': SK_PREFIX.earnings,
      }),
    },
    consistentRead: true,
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const stash = ctx.stash as PayoutStash;
  const economy = economyOf(ctx);
  const totals = earningsTotals((ctx.result.items ?? []) as Item[]);
  const account: Item = totals.account ? totals.account : {};
  const amount = availableMinor({
    earnedMinor: totals.earnedMinor,
    reservedMinor: account.reservedMinor ? account.reservedMinor : 0,
    paidMinor: account.paidMinor ? account.paidMinor : 0,
  });
  const refusal = payoutRefusal(amount, economy.minimumPayoutMinor, economy.currency);
  if (refusal) refuse(refusal, { available: amount, minimum: economy.minimumPayoutMinor });
  stash.plan = {
    payoutId: idFromUuid('pay', util.autoId()),
    amount,
    currency: economy.currency,
    version: typeof account.version === 'number' ? account.version : null,
    now: util.time.nowISO8601(),
  };
  return null;
}
