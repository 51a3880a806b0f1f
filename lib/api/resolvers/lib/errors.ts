/**
 * Data-source errors as the API answers them (APPSYNC_JS subset). What the caller sent and
 * DynamoDB refused becomes a typed VALIDATION error with a sentence: a paging token this API did
 * not hand out (or one for another list), a key or item over DynamoDB's size limits (an id of
 * thousands of characters). Anything else is a fault of ours and keeps its data-source type.
 */
import { util, type Context } from '@aws-appsync/utils';

const has = (text: string, part: string): boolean => text.indexOf(part) >= 0;

/** Throws the GraphQL error for `ctx.error`, if there is one. */
export function failOnError(ctx: Context): void {
  if (!ctx.error) return;
  const message = ctx.error.message || '';
  const type = ctx.error.type || '';
  if (has(type, 'ValidationException')) {
    if (has(message, 'pagination token') || has(message, 'starting key') || has(message, 'Exclusive Start Key')) {
      util.error('This page link is not valid for this list; load the list again from its first page.', 'VALIDATION', null, { field: 'nextToken' });
    }
    if (has(message, 'must be under') || has(message, 'size has exceeded') || has(message, 'Size of hashkey') || has(message, 'Size of rangekey')) {
      util.error('A value in the request is too long.', 'VALIDATION');
    }
  }
  util.error(message, type);
}
