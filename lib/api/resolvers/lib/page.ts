/** Shared helpers for CONTROL's list resolvers (APPSYNC_JS subset). */
import { util, type AppSyncIdentityCognito, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { raiseDataSourceError } from './errors';

/** Page size from `limit`, between 1 and `max`. */
export function pageLimit(limit: number | null | undefined, max: number): number {
  return Math.min(Math.max(limit ?? 20, 1), max);
}

/** The signed-in caller's sub, or '' for guests and IAM callers. */
export function callerSub(ctx: Context): string {
  const identity = ctx.identity as AppSyncIdentityCognito | null;
  return identity && identity.sub ? identity.sub : '';
}

/** A page of the items under `pk` whose SK starts with `prefix`, newest first. */
export function newestFirstPage(pk: string, prefix: string, args: { limit?: number | null; nextToken?: string | null }, max: number): DynamoDBQueryRequest {
  return {
    operation: 'Query',
    query: {
      expression: 'PK = :pk AND begins_with(SK, :prefix)',
      expressionValues: util.dynamodb.toMapValues({ ':pk': pk, ':prefix': prefix }),
    },
    scanIndexForward: false,
    limit: pageLimit(args.limit, max),
    nextToken: args.nextToken ?? undefined,
  };
}

/** `{ items, nextToken }` from a Query result; data source errors become GraphQL errors. */
export function pageResponse(ctx: Context): unknown {
  if (ctx.error) {
    raiseDataSourceError(ctx.error);
  }
  return { items: ctx.result.items ?? [], nextToken: ctx.result.nextToken ?? null };
}
