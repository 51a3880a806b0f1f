/** Query.mySuspension: the caller's suspension in force (null: none, or a period that has ended). */
import { util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { suspensionKey } from '../../../lambdas/shared/domain/keys';
import { failOnError, requireUser } from './lib/commerce';
import { suspensionView } from './lib/safety';

export function request(ctx: Context): DynamoDBGetItemRequest {
  const me = requireUser(ctx);
  return { operation: 'GetItem', key: util.dynamodb.toMapValues(suspensionKey(me.sub)), consistentRead: true };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const item = ctx.result as Record<string, unknown> | null;
  if (!item || (item.until as string) <= util.time.nowISO8601()) return null;
  return suspensionView(item);
}
