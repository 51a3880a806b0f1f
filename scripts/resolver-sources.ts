/**
 * Writes lib/api/resolver-sources.json: every source file a resolver bundle includes, which
 * eslint.config.js lints with @aws-appsync/eslint-plugin. Run after changing a resolver's imports
 * (`npm run resolver-sources`); a unit test fails while the file is stale.
 */
import { writeFileSync } from 'node:fs';
import { RESOLVER_SOURCES_PATH, resolverSourceFiles } from '../lib/api/resolver-files';

writeFileSync(RESOLVER_SOURCES_PATH, `${JSON.stringify(resolverSourceFiles(), null, 2)}\n`);
