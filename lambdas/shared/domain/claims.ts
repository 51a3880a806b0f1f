/**
 * Token claims the platform sets itself. No imports: bundled into APPSYNC_JS resolvers as well.
 */

/**
 * The ID token claim carrying the caller's platform-owned handle: stamped by the account
 * function's pre-token-generation trigger from the account item. Resolvers and handlers read this,
 * never the user-writable `preferred_username` attribute.
 */
export const HANDLE_CLAIM = 'handle';
