/** Mutation.liftTimeout: served by the chat-moderation Lambda (lib/functions/catalog.ts). */
export { request, response } from './lib/invoke';
