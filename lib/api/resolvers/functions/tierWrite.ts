/** setBroadcasterTier step: the tier on the earnings account and the admin audit entry, in one transaction. */
import { util, type Context, type DynamoDBTransactWriteItemsRequest } from '@aws-appsync/utils';
import { idFromUuid } from '../../../../lambdas/shared/domain/ids';
import { adminLogKey, earningsKey } from '../../../../lambdas/shared/domain/keys';
import { cancellationReasons, conflicted, failConflict, failTransaction } from '../lib/economy';
import type { TierStash } from './tierTarget';

export function request(ctx: Context): DynamoDBTransactWriteItemsRequest {
  const t = (ctx.stash as TierStash).tierChange;
  const table = ctx.env.TABLE_NAME as string;
  const now = util.time.nowISO8601();
  return {
    operation: 'TransactWriteItems',
    transactItems: [
      {
        table,
        operation: 'UpdateItem',
        key: util.dynamodb.toMapValues(earningsKey(t.userId as string)),
        update: {
          expression:
            'SET tier = :tier, tierUpdatedAt = :now, tierUpdatedBy = :admin, #type = :type, userId = :user, updatedAt = :now',
          expressionNames: { '#type': 'type' },
          expressionValues: util.dynamodb.toMapValues({
            ':tier': t.tier,
            ':now': now,
            ':admin': t.admin.sub,
            ':type': 'EarningsAccount',
            ':user': t.userId,
          }),
        },
      },
      {
        table,
        operation: 'PutItem',
        key: util.dynamodb.toMapValues(adminLogKey(now, idFromUuid('adm', util.autoId()))),
        attributeValues: util.dynamodb.toMapValues({
          type: 'AdminAction',
          action: 'SET_TIER',
          actorId: t.admin.sub,
          actorHandle: t.admin.handle,
          targetUserId: t.userId,
          targetHandle: t.handle ?? null,
          tier: t.tier,
          at: now,
        }),
      },
    ],
  } as unknown as DynamoDBTransactWriteItemsRequest;
}

export function response(ctx: Context): unknown {
  if (ctx.error) {
    if (conflicted(cancellationReasons(ctx))) failConflict('changes to this account');
    failTransaction(ctx);
  }
  return null;
}
