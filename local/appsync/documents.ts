/**
 * Requests' documents: parsed and validated once per query text (and operation name), and errors
 * formatted with AppSync's extra keys (errorType, errorInfo, data).
 */
import {
  Kind,
  parse,
  validate,
  type DocumentNode,
  type GraphQLError,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { AppSyncFormattedError, EngineRequest } from './engine';
import { AppSyncError } from './runtime';

/** A request's document and the operation it runs. */
export interface PreparedDocument {
  document: DocumentNode;
  operation: OperationDefinitionNode;
}

const PREPARED_MAX = 500;

/** A graphql-js error as AppSync answers it. */
export function formatError(err: GraphQLError): AppSyncFormattedError {
  const original = err.originalError;
  const formatted: AppSyncFormattedError = { message: err.message, locations: err.locations, path: err.path };
  if (original instanceof AppSyncError) {
    formatted.errorType = original.errorType;
    formatted.errorInfo = original.errorInfo;
    formatted.data = original.data;
  } else if (!original || !err.path) {
    // Errors without a path stop the request before any resolver runs (a document that does not
    // validate, variables that do not coerce: wrong type, null for a required value, bad AWSJSON).
    formatted.errorType = 'ValidationError';
  }
  return formatted;
}

function prepareUncached(
  schema: GraphQLSchema,
  req: EngineRequest,
): PreparedDocument | { errors: AppSyncFormattedError[] } {
  let document: DocumentNode;
  try {
    document = parse(req.query);
  } catch (err) {
    return { errors: [formatError(err as GraphQLError)] };
  }
  const problems = validate(schema, document);
  if (problems.length) return { errors: problems.map(formatError) };
  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  const operation = req.operationName ? operations.find((o) => o.name?.value === req.operationName) : operations[0];
  if (!operation) return { errors: [{ message: 'Operation not found', errorType: 'ValidationError' }] };
  return { document, operation };
}

/**
 * Prepares requests against `schema`, keeping the last 500 valid documents: the schema never
 * changes, so a document valid once is valid always; invalid ones are not cached (their errors are rebuilt).
 */
export function documentCache(
  schema: GraphQLSchema,
): (req: EngineRequest) => PreparedDocument | { errors: AppSyncFormattedError[] } {
  const prepared = new Map<string, PreparedDocument>();
  return (req) => {
    const cacheKey = `${req.operationName ?? ''}\u0000${req.query}`;
    const hit = prepared.get(cacheKey);
    if (hit) return hit;
    const fresh = prepareUncached(schema, req);
    if (!('errors' in fresh)) {
      if (prepared.size >= PREPARED_MAX) prepared.delete(prepared.keys().next().value as string);
      prepared.set(cacheKey, fresh);
    }
    return fresh;
  };
}
