/** decidePayout step 1: the payout (consistent); NOT_FOUND, the same decision again (answered as is), or ALREADY_DECIDED. */
import { util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { canDecidePayout } from '../../../../lambdas/shared/domain/economy';
import { payoutKey } from '../../../../lambdas/shared/domain/keys';
import { failOnError, type Item } from '../lib/commerce';
import { payoutView } from '../lib/economy';

/** The decidePayout pipeline's state in `ctx.stash`. */
export interface DecideStash {
  /** The request (resolver). */
  decide: {
    admin: { sub: string; handle: string };
    payoutId: string;
    decision: 'PAID' | 'REJECTED';
    reason: string | null;
  };
  /** The payout as read (step 1). */
  payout?: Item;
  /** The answer when nothing is left to write (the same decision was made before). */
  done?: Record<string, unknown>;
}

export function request(ctx: Context): DynamoDBGetItemRequest {
  return {
    operation: 'GetItem',
    key: util.dynamodb.toMapValues(payoutKey((ctx.stash as DecideStash).decide.payoutId)),
    consistentRead: true,
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const stash = ctx.stash as DecideStash;
  const payout = ctx.result as Item | null;
  if (!payout) {
    util.error('There is no payout with that id.', 'NOT_FOUND');
  }
  stash.payout = payout as Item;
  if (!canDecidePayout((payout as Item).status)) {
    if ((payout as Item).status === stash.decide.decision) {
      stash.done = payoutView(payout as Item);
      return null;
    }
    util.error(`This payout was already marked ${(payout as Item).status as string}.`, 'ALREADY_DECIDED');
  }
  return null;
}
