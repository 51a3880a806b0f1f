/**
 * requestPayout step 3: one TransactWriteItems reserves the amount on the earnings account (only
 * at the version read), puts the payout (REQUESTED, in the admins' queue), the broadcaster's
 * PAYOUT_REQUESTED ledger entry and the request's answer. A lost race (another request or a
 * concurrent retry) is a retryable CONFLICT: the retry reads the new state.
 */
import { runtime, util, type Context, type DynamoDBTransactWriteItemsRequest } from '@aws-appsync/utils';
import {
  earningsKey,
  ledgerKey,
  PAYOUTS_REQUESTED_PK,
  payoutKey,
  payoutRequestKey,
  SK_PREFIX,
  userPayoutsPk,
} from '../../../../lambdas/shared/domain/keys';
import { cancellationReasons, failConflict, failTransaction } from '../lib/economy';
import type { PayoutStash } from './payoutRequestLoad';

export function request(ctx: Context): DynamoDBTransactWriteItemsRequest {
  const stash = ctx.stash as PayoutStash;
  if (stash.payoutId) runtime.earlyReturn(null);
  const me = stash.payoutRequest.me;
  const plan = stash.plan as NonNullable<PayoutStash['plan']>;
  const table = ctx.env.TABLE_NAME as string;
  const ledger = ledgerKey(me.sub, plan.now, plan.payoutId);
  const versionCondition =
    plan.version === null
      ? { expression: 'attribute_not_exists(version)' }
      : { expression: 'version = :version', expressionValues: util.dynamodb.toMapValues({ ':version': plan.version }) };
  const history = [{ status: 'REQUESTED', at: plan.now, byUserId: me.sub, reason: null }];
  return {
    operation: 'TransactWriteItems',
    transactItems: [
      {
        table,
        operation: 'PutItem',
        key: util.dynamodb.toMapValues(payoutRequestKey(me.sub, stash.payoutRequest.clientRequestId)),
        attributeValues: util.dynamodb.toMapValues({
          type: 'PayoutRequest',
          payoutId: plan.payoutId,
          createdAt: plan.now,
        }),
        condition: { expression: 'attribute_not_exists(PK)' },
      },
      {
        table,
        operation: 'UpdateItem',
        key: util.dynamodb.toMapValues(earningsKey(me.sub)),
        update: {
          expression:
            'SET reservedMinor = if_not_exists(reservedMinor, :zero) + :amount, version = if_not_exists(version, :zero) + :one, #type = :type, userId = :user, updatedAt = :now',
          expressionNames: { '#type': 'type' },
          expressionValues: util.dynamodb.toMapValues({
            ':zero': 0,
            ':amount': plan.amount,
            ':one': 1,
            ':type': 'EarningsAccount',
            ':user': me.sub,
            ':now': plan.now,
          }),
        },
        condition: versionCondition,
      },
      {
        table,
        operation: 'PutItem',
        key: util.dynamodb.toMapValues(payoutKey(plan.payoutId)),
        attributeValues: util.dynamodb.toMapValues({
          type: 'Payout',
          payoutId: plan.payoutId,
          userId: me.sub,
          handle: me.handle,
          amountMinor: plan.amount,
          currency: plan.currency,
          status: 'REQUESTED',
          requestedAt: plan.now,
          history,
          GSI1PK: userPayoutsPk(me.sub),
          GSI1SK: plan.now,
          GSI2PK: PAYOUTS_REQUESTED_PK,
          GSI2SK: `${plan.now}#${plan.payoutId}`,
        }),
        condition: { expression: 'attribute_not_exists(PK)' },
      },
      {
        table,
        operation: 'PutItem',
        key: util.dynamodb.toMapValues(ledger),
        attributeValues: util.dynamodb.toMapValues({
          type: 'LedgerEntry',
          entryId: ledger.SK.slice(SK_PREFIX.ledger.length),
          kind: 'PAYOUT_REQUESTED',
          coins: 0,
          amount: plan.amount,
          currency: plan.currency,
          payoutId: plan.payoutId,
          createdAt: plan.now,
        }),
        condition: { expression: 'attribute_not_exists(PK)' },
      },
    ],
  } as unknown as DynamoDBTransactWriteItemsRequest;
}

export function response(ctx: Context): unknown {
  const stash = ctx.stash as PayoutStash;
  if (ctx.error) {
    const reasons = cancellationReasons(ctx);
    if (reasons.some((r) => r.type === 'ConditionalCheckFailed' || r.type === 'TransactionConflict'))
      failConflict('payout requests');
    failTransaction(ctx);
  }
  stash.payoutId = (stash.plan as NonNullable<PayoutStash['plan']>).payoutId;
  return null;
}
