/** requestPayout last step: the payout that answers the request, as it is now (consistent). */
import { util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { payoutKey } from '../../../../lambdas/shared/domain/keys';
import { failOnError, type Item } from '../lib/commerce';
import { payoutView } from '../lib/economy';
import type { PayoutStash } from './payoutRequestLoad';

export function request(ctx: Context): DynamoDBGetItemRequest {
  return {
    operation: 'GetItem',
    key: util.dynamodb.toMapValues(payoutKey((ctx.stash as PayoutStash).payoutId as string)),
    consistentRead: true,
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const item = ctx.result as Item | null;
  if (!item || item.userId !== (ctx.stash as PayoutStash).payoutRequest.me.sub) {
    util.error('The payout could not be read back; ask again with the same clientRequestId.', 'Unavailable', null, {
      retryable: true,
    });
  }
  return payoutView(item as Item);
}
