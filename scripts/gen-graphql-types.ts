/**
 * Writes frontend/src/lib/graphql/schema-types.ts, the web app's GraphQL types, from
 * lib/api/schema.graphql and frontend/src/lib/queries.ts, and lambdas/shared/api-types.ts, the API's
 * own types, from the schema. Run after changing either (`npm run gen:types`); a unit test fails
 * while a file is stale.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { API_TYPES_PATH, currentApiTypes, currentWebTypes, GENERATED_PATH } from './graphql-types';

mkdirSync(dirname(GENERATED_PATH), { recursive: true });
writeFileSync(GENERATED_PATH, currentWebTypes());
writeFileSync(API_TYPES_PATH, currentApiTypes());
