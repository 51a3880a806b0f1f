/**
 * Data-source errors a resolver does not handle itself (APPSYNC_JS subset). DynamoDB refusing
 * for a moment — throttled, an internal error, unavailable — is no fault of the request: the
 * caller gets `Unavailable` with a sentence and `errorInfo.retryable`, and may send the same
 * request again (mutations carry ids or conditions that make a repeat safe, e.g. placeBid's
 * bidId). Anything else keeps the data source's own type and message.
 */
import { util } from '@aws-appsync/utils';

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

/** Fails the field with `error`: `Unavailable` (retryable) for a passing DynamoDB fault, else as the data source reported it. */
export function raiseDataSourceError(error: { message: string; type: string }): void {
  if (RETRYABLE_DATA_SOURCE_ERRORS.indexOf(error.type) >= 0) {
    util.error(UNAVAILABLE_MESSAGE, 'Unavailable', null, { retryable: true });
  }
  util.error(error.message, error.type);
}
