/**
 * Token claims the platform sets itself. No imports: bundled into APPSYNC_JS resolvers as well.
 */

/**
 * The ID token claim carrying the caller's platform-owned handle: stamped by the account
 * function's pre-token-generation trigger from the account item. Resolvers and handlers read this,
 * never the user-writable `preferred_username` attribute.
 */
export const HANDLE_CLAIM = 'handle';

/**
 * The user attributes the web app's client may write (sign-up and UpdateUserAttributes). Not the
 * custom role. `preferred_username` must stay: Cognito requires clients to write required
 * attributes, and it is required at sign-up; the platform never trusts it (HANDLE_CLAIM instead).
 */
export const USER_WRITABLE_ATTRIBUTES: readonly string[] = ['email', 'preferred_username'];
