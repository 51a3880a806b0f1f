/** Query.streamReport: served by a Lambda data source (lib/functions/catalog.ts). */
export { request, response } from './lib/invoke';
