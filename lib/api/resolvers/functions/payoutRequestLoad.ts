/** requestPayout step 1: the answer of an earlier request with this clientRequestId (its payout id), if any. */
import { util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { payoutRequestKey } from '../../../../lambdas/shared/domain/keys';
import { failOnError } from '../lib/commerce';

/** The requestPayout pipeline's state in `ctx.stash`. */
export interface PayoutStash {
  /** The request (resolver). */
  payoutRequest: { me: { sub: string; handle: string }; clientRequestId: string };
  /** The payout that answers the request: an earlier one (step 1) or the one just written (step 3). */
  payoutId?: string;
  /** What step 3 writes (step 2). */
  plan?: { payoutId: string; amount: number; currency: string; version: number | null; now: string };
}

export function request(ctx: Context): DynamoDBGetItemRequest {
  const r = (ctx.stash as PayoutStash).payoutRequest;
  return {
    operation: 'GetItem',
    key: util.dynamodb.toMapValues(payoutRequestKey(r.me.sub, r.clientRequestId)),
    consistentRead: true,
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  if (ctx.result && ctx.result.payoutId) (ctx.stash as PayoutStash).payoutId = ctx.result.payoutId as string;
  return null;
}
