/**
 * decidePayout step 2: one TransactWriteItems records the decision on the payout (only while
 * REQUESTED; it leaves the admins' queue), moves the reservation on the earnings account (to paid,
 * or back to available), adds the broadcaster's PAYOUT_PAID / PAYOUT_REJECTED ledger entry and the
 * admin audit entry.
 */
import { runtime, util, type Context, type DynamoDBTransactWriteItemsRequest } from '@aws-appsync/utils';
import { idFromUuid } from '../../../../lambdas/shared/domain/ids';
import { adminLogKey, earningsKey, ledgerKey, payoutKey, SK_PREFIX } from '../../../../lambdas/shared/domain/keys';
import type { Item } from '../lib/commerce';
import { cancellationReasons, conflicted, failConflict, failTransaction, payoutView } from '../lib/economy';
import type { DecideStash } from './payoutGet';

export function request(ctx: Context): DynamoDBTransactWriteItemsRequest {
  const stash = ctx.stash as DecideStash;
  if (stash.done) runtime.earlyReturn(stash.done);
  const d = stash.decide;
  const payout = stash.payout as Item;
  const table = ctx.env.TABLE_NAME as string;
  const now = util.time.nowISO8601();
  const change = { status: d.decision, at: now, byUserId: d.admin.sub, reason: d.reason };
  stash.payout = {
    ...payout,
    status: d.decision,
    decidedAt: now,
    decidedBy: d.admin.sub,
    reason: d.reason,
    history: [...(payout.history ? payout.history : []), change],
  };
  const ledger = ledgerKey(payout.userId, now, `${payout.payoutId}-${d.decision}`);
  // DynamoDB refuses a value the expressions do not use: :zero only where PAID needs it.
  const earningsUpdate =
    d.decision === 'PAID'
      ? {
          expression:
            'SET reservedMinor = reservedMinor - :amount, paidMinor = if_not_exists(paidMinor, :zero) + :amount, updatedAt = :now',
          values: { ':amount': payout.amountMinor, ':zero': 0, ':now': now },
        }
      : {
          expression: 'SET reservedMinor = reservedMinor - :amount, updatedAt = :now',
          values: { ':amount': payout.amountMinor, ':now': now },
        };
  return {
    operation: 'TransactWriteItems',
    transactItems: [
      {
        table,
        operation: 'UpdateItem',
        key: util.dynamodb.toMapValues(payoutKey(payout.payoutId)),
        update: {
          expression:
            'SET #status = :decision, decidedAt = :now, decidedBy = :admin, reason = :reason, history = list_append(history, :change) REMOVE GSI2PK, GSI2SK',
          expressionNames: { '#status': 'status' },
          expressionValues: util.dynamodb.toMapValues({
            ':decision': d.decision,
            ':now': now,
            ':admin': d.admin.sub,
            ':reason': d.reason,
            ':change': [change],
            ':requested': 'REQUESTED',
          }),
        },
        condition: { expression: '#status = :requested', expressionNames: { '#status': 'status' } },
      },
      {
        table,
        operation: 'UpdateItem',
        key: util.dynamodb.toMapValues(earningsKey(payout.userId)),
        update: {
          expression: earningsUpdate.expression,
          expressionValues: util.dynamodb.toMapValues(earningsUpdate.values),
        },
        condition: { expression: 'reservedMinor >= :amount' },
      },
      {
        table,
        operation: 'PutItem',
        key: util.dynamodb.toMapValues(ledger),
        attributeValues: util.dynamodb.toMapValues({
          type: 'LedgerEntry',
          entryId: ledger.SK.slice(SK_PREFIX.ledger.length),
          kind: d.decision === 'PAID' ? 'PAYOUT_PAID' : 'PAYOUT_REJECTED',
          coins: 0,
          amount: payout.amountMinor,
          currency: payout.currency,
          payoutId: payout.payoutId,
          reason: d.reason,
          createdAt: now,
        }),
        condition: { expression: 'attribute_not_exists(PK)' },
      },
      {
        table,
        operation: 'PutItem',
        key: util.dynamodb.toMapValues(adminLogKey(now, idFromUuid('adm', util.autoId()))),
        attributeValues: util.dynamodb.toMapValues({
          type: 'AdminAction',
          action: 'DECIDE_PAYOUT',
          actorId: d.admin.sub,
          actorHandle: d.admin.handle,
          targetUserId: payout.userId,
          payoutId: payout.payoutId,
          decision: d.decision,
          amount: payout.amountMinor,
          currency: payout.currency,
          reason: d.reason,
          at: now,
        }),
      },
    ],
  } as unknown as DynamoDBTransactWriteItemsRequest;
}

export function response(ctx: Context): unknown {
  if (ctx.error) {
    const reasons = cancellationReasons(ctx);
    if (reasons[0] && reasons[0].type === 'ConditionalCheckFailed') {
      util.error('Another admin decided this payout just now; reload the queue.', 'ALREADY_DECIDED');
    }
    if (conflicted(reasons)) failConflict('changes to this account');
    failTransaction(ctx);
  }
  return payoutView((ctx.stash as DecideStash).payout as Item);
}
