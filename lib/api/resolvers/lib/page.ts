/** Shared helpers for CONTROL's list resolvers (APPSYNC_JS subset). */
import type { AppSyncIdentityCognito, Context } from '@aws-appsync/utils';

/** Page size from `limit`, between 1 and `max`. */
export function pageLimit(limit: number | null | undefined, max: number): number {
  return Math.min(Math.max(limit ?? 20, 1), max);
}

/** The signed-in caller's sub, or '' for guests and IAM callers. */
export function callerSub(ctx: Context): string {
  const identity = ctx.identity as AppSyncIdentityCognito | null;
  return identity && identity.sub ? identity.sub : '';
}
