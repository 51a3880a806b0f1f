/**
 * Data-source errors as the API answers them (APPSYNC_JS subset), for every resolver that does not
 * handle an error itself:
 * - DynamoDB refusing for a moment (throttled, an internal error, unavailable) is no fault of the
 *   request: `Unavailable` with a sentence and `errorInfo.retryable`; the caller may send the same
 *   request again (mutations carry ids or conditions that make a repeat safe, e.g. placeBid's bidId).
 * - What the caller sent and DynamoDB refused becomes a typed VALIDATION error with a sentence: a
 *   paging token this API did not hand out (or one for another list), a key or item over DynamoDB's
 *   size limits (an id of thousands of characters).
 * - Anything else is a fault of ours and keeps its data-source type and message.
 */
import { util, type Context } from '@aws-appsync/utils';

/** DynamoDB exceptions (as AppSync names them, `DynamoDB:<Exception>`) that a retry can get past. */
export const RETRYABLE_DATA_SOURCE_ERRORS = [
  'DynamoDB:ServiceUnavailable',
  'DynamoDB:InternalServerError',
  'DynamoDB:ProvisionedThroughputExceededException',
  'DynamoDB:ThrottlingException',
  'DynamoDB:RequestLimitExceeded',
];

/** What a client is told when the data store could not serve the request just now. */
export const UNAVAILABLE_MESSAGE = 'The service is briefly unavailable; please try again in a moment.';

const has = (text: string, part: string): boolean => text.indexOf(part) >= 0;

/** Fails the field with `error` as described above. */
export function raiseDataSourceError(error: { message: string; type: string }): void {
  const message = error.message || '';
  const type = error.type || '';
  if (RETRYABLE_DATA_SOURCE_ERRORS.indexOf(type) >= 0) {
    util.error(UNAVAILABLE_MESSAGE, 'Unavailable', null, { retryable: true });
  }
  if (has(type, 'ValidationException')) {
    if (has(message, 'pagination token') || has(message, 'starting key') || has(message, 'Exclusive Start Key')) {
      util.error(
        'This page link is not valid for this list; load the list again from its first page.',
        'VALIDATION',
        null,
        { field: 'nextToken' },
      );
    }
    if (
      has(message, 'must be under') ||
      has(message, 'size has exceeded') ||
      has(message, 'Size of hashkey') ||
      has(message, 'Size of rangekey')
    ) {
      util.error('A value in the request is too long.', 'VALIDATION');
    }
  }
  util.error(message, type);
}

/** Throws the GraphQL error for `ctx.error`, if there is one. */
export function failOnError(ctx: Context): void {
  if (ctx.error) raiseDataSourceError(ctx.error);
}
