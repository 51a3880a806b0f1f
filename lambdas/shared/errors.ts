/**
 * Typed errors. Domain code throws `DomainError`; handlers map it to the caller's shape. For
 * AppSync Lambda data sources the handler returns `{ error }` and the shared invoke resolver turns
 * it into a GraphQL error with `errorType` = code and `errorInfo` = details (no stack traces leak).
 */
export type ErrorCode =
  | 'VALIDATION'
  | 'NOT_FOUND'
  | 'UNAUTHORIZED'
  | 'NOT_OWNER'
  | 'FORBIDDEN'
  | 'BANNED'
  | 'ACCOUNT_BANNED'
  | 'CONFLICT'
  | 'AUCTION_CLOSED'
  | 'AUCTION_NOT_OPEN'
  | 'BID_TOO_LOW'
  | 'ALREADY_SOLD'
  | 'STREAM_LIVE'
  | 'RATE_LIMITED'
  | 'RESTORING'
  | 'PAYMENTS_UNAVAILABLE'
  | 'SUSPENDED'
  | 'ALREADY_REPORTED'
  | 'STREAM_NOT_LIVE'
  | 'INTERNAL';

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** What an AppSync-invoked Lambda returns: either data or a typed error. */
export type AppSyncLambdaResult<T> =
  { data: T } | { error: { type: ErrorCode; message: string; info: Record<string, unknown> } };

/** Runs an AppSync field handler and maps errors; unknown errors become INTERNAL without details. */
export async function toAppSyncResult<T>(
  work: () => Promise<T>,
  onUnexpected: (error: unknown) => void,
): Promise<AppSyncLambdaResult<T>> {
  try {
    return { data: await work() };
  } catch (error) {
    if (error instanceof DomainError) {
      return { error: { type: error.code, message: error.message, info: error.details } };
    }
    onUnexpected(error);
    return { error: { type: 'INTERNAL', message: 'Something went wrong on our side; please try again.', info: {} } };
  }
}
