/**
 * Item keys needed on paths that must load fast (the chat review handler): kept apart from
 * `streamers.ts`, whose zod schemas cost tens of milliseconds of module init.
 */

/** The streamer's (or viewer's) profile item. */
export const profileKey = (userId: string) => ({ PK: `USER#${userId}`, SK: 'PROFILE' }) as const;
