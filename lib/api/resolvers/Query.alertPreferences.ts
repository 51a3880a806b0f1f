/** Query.alertPreferences: the caller's email alert choices per streamer. */
import { util, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { callerSub } from './lib/page';
import { failOnError } from './lib/errors';
import { SK_PREFIX, userPartition } from '../../../lambdas/shared/domain/keys';

export function request(ctx: Context): DynamoDBQueryRequest {
  return {
    operation: 'Query',
    query: {
      expression: 'PK = :pk AND begins_with(SK, :prefix)',
      expressionValues: util.dynamodb.toMapValues({
        ':pk': userPartition(callerSub(ctx)),
        ':prefix': SK_PREFIX.alertPref,
      }),
    },
    limit: 500,
  };
}

export function response(ctx: Context): unknown {
  failOnError(ctx);
  const items = (ctx.result.items ?? []) as {
    streamerId: string;
    handle: string;
    email: boolean;
    emailStatus?: string | null;
  }[];
  return items.map((i) => ({
    streamerId: i.streamerId,
    handle: i.handle,
    email: i.email === true,
    emailStatus: i.emailStatus ?? null,
  }));
}
