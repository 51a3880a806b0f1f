/**
 * The paged list resolvers' one way to page (APPSYNC_JS subset): the page size clamp, the Query
 * request and the `{ items, nextToken }` response. A list resolver states only its key condition,
 * its order and its item view.
 */
import { util, type AppSyncIdentityCognito, type Context, type DynamoDBQueryRequest } from '@aws-appsync/utils';
import { failOnError } from './errors';

/** The `limit` and `nextToken` arguments every paged field takes. */
export interface PageArgs {
  readonly limit?: number | null;
  readonly nextToken?: string | null;
}

/** Page sizes of a field: `max` caps what a client may ask for, `fallback` applies when it asks nothing (20). */
export interface PageSize {
  readonly max: number;
  readonly fallback?: number;
}

/** A key condition on the table (no `index`) or one of its indexes. */
export interface PageKey {
  readonly index?: string;
  readonly expression: string;
  readonly values: Record<string, unknown>;
}

/** Page size from `limit`, between 1 and `size.max`. */
export function pageLimit(limit: number | null | undefined, size: PageSize): number {
  return Math.min(Math.max(limit ?? size.fallback ?? 20, 1), size.max);
}

/** The signed-in caller's sub, or '' for guests and IAM callers. */
export function callerSub(ctx: Context): string {
  const identity = ctx.identity as AppSyncIdentityCognito | null;
  return identity && identity.sub ? identity.sub : '';
}

/** A page of the items under `key`, newest (highest sort key) first unless `oldestFirst`. */
export function queryPage(key: PageKey, args: PageArgs, size: PageSize, oldestFirst?: boolean): DynamoDBQueryRequest {
  const request: DynamoDBQueryRequest = {
    operation: 'Query',
    query: { expression: key.expression, expressionValues: util.dynamodb.toMapValues(key.values) },
    scanIndexForward: oldestFirst === true,
    limit: pageLimit(args.limit, size),
    nextToken: args.nextToken ?? undefined,
  };
  if (key.index) request.index = key.index;
  return request;
}

/** A page of the items under `pk` whose SK starts with `prefix`, newest first. */
export function newestFirstPage(pk: string, prefix: string, args: PageArgs, size: PageSize): DynamoDBQueryRequest {
  return queryPage(
    { expression: 'PK = :pk AND begins_with(SK, :prefix)', values: { ':pk': pk, ':prefix': prefix } },
    args,
    size,
  );
}

/** `{ items, nextToken }` from a Query result, each item through `view` when given; data source errors become GraphQL errors. */
export function pageResponse(ctx: Context, view?: (item: Record<string, unknown>) => unknown): unknown {
  failOnError(ctx);
  const items = (ctx.result.items ?? []) as Record<string, unknown>[];
  return { items: view ? items.map((item) => view(item)) : items, nextToken: ctx.result.nextToken ?? null };
}
