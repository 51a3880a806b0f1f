/** Query.battle: served by the battles function (lib/functions/catalog.ts, docs/battles.md). */
export { request, response } from './lib/invoke';
