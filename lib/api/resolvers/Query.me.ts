/** Query.me: the caller's own profile, null until provisioned. */
import { util, type Context, type DynamoDBGetItemRequest } from '@aws-appsync/utils';
import { callerSub } from './lib/page';
import { failOnError } from './lib/errors';
import { profileKey } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context): DynamoDBGetItemRequest {
  return { operation: 'GetItem', key: util.dynamodb.toMapValues(profileKey(callerSub(ctx))), consistentRead: true };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  return ctx.result ?? null;
}
