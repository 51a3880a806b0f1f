/** Query.replay: Lambda data source `replay` (restore-on-demand needs S3 calls). */
export { request, response } from './lib/invoke';
