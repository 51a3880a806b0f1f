/**
 * Likes on a live stream: the rule for the client's per-tap id, which makes a retried like count
 * once (Mutation.likeStream). Imported by the resolver (APPSYNC_JS: constants only) and the web app.
 */

/** What a `clientLikeId` may be: 8-64 letters, digits, `-` or `_` (a UUID fits), as a whole-string pattern. */
export const CLIENT_LIKE_ID_PATTERN = '[A-Za-z0-9_-]{8,64}';

/**
 * How long a counted `clientLikeId` is remembered (the marker's TTL). A client retries a tap for
 * seconds, not days; a day also outlives any one show, whose likes restart at 0 with the next stream.
 */
export const LIKE_MARKER_TTL_SECONDS = 86_400;
