/** Query.myWallet: the caller's coins and debt (consistent read; no wallet yet is 0 and 0). */
import { util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { walletKey } from '../../../lambdas/shared/domain/keys';
import { failOnError, requireUser } from './lib/commerce';
import { walletView } from './lib/economy';

export function request(ctx: Context): DynamoDBGetItemRequest {
  const me = requireUser(ctx);
  return { operation: 'GetItem', key: util.dynamodb.toMapValues(walletKey(me.sub)), consistentRead: true };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  return walletView(ctx.result);
}
