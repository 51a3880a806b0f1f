/** Mutation.goPublic: served by the playback Lambda (lib/functions/catalog.ts). */
export { request, response } from './lib/invoke';
