/** Mutation.createChatToken: served by the chat-token Lambda (lib/functions/catalog.ts). */
export { request, response } from './lib/invoke';
