/**
 * The DynamoDB data source: executes AppSync's DynamoDB request objects (attribute values in
 * DynamoDB JSON) with the low-level client and answers as AppSync does (plain JSON items,
 * `nextToken` strings, `ctx.error` types `DynamoDB:<Exception>`, `cancellationReasons`).
 *
 * A failed condition on PutItem, UpdateItem or DeleteItem is handled as AppSync documents it:
 * the response handler gets `ctx.error` and, in `ctx.result`, the item's current value (AppSync
 * reads it with a strongly consistent GetItem after the failure; here it comes back with the
 * failed write itself, `ReturnValuesOnConditionCheckFailure: ALL_OLD`, so no second call). A
 * PutItem whose current item equals the attempted one (ignoring `equalsIgnore`) and a DeleteItem
 * of a missing item count as successes. The `Custom` (Lambda) strategy is not implemented.
 *
 * DynamoDB Local serializes requests on one item with locks and, under load, answers a request
 * that waited too long with a 500 ("waiting for a lock ... will succeed in actual DynamoDB API")
 * that DynamoDB itself never sends. Such a request changed nothing, so it is sent again (a few
 * times, with jitter); a transaction still locked out after that is answered as DynamoDB answers
 * contention on an item, a TransactionCanceledException with `TransactionConflict` reasons.
 */
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  ScanCommand,
  TransactGetItemsCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
  type TransactWriteItem,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { isDeepStrictEqual } from 'node:util';

type Av = Record<string, AttributeValue>;
// Request objects come from resolver code as AppSync documents them; their fields are read
// dynamically per operation, so they are typed loosely here and DynamoDB validates them.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

interface Expression {
  expression: string;
  expressionNames?: Record<string, string>;
  expressionValues?: Av;
}

interface Condition extends Expression {
  equalsIgnore?: string[];
  conditionalCheckFailedHandler?: { strategy: 'Custom' | 'Reject'; lambdaArn?: string };
}

/** What a failed single-item condition leaves: the item as it is now (AppSync's `ctx.result`). */
class ConditionFailed extends Error {
  constructor(readonly current: Record<string, unknown> | null) {
    super('The conditional request failed');
    this.name = 'ConditionalCheckFailedException';
  }
}

/** What the data source hands to the response handler. */
export interface DataSourceOutcome {
  result: unknown;
  error: { message: string; type: string } | null;
}

const plain = (item: Av | undefined | null): Record<string, unknown> | null => (item ? unmarshall(item) : null);

function encodeToken(key: Av | undefined): string | null {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64') : null;
}

function decodeToken(token: string | null | undefined): Av | undefined {
  if (!token) return undefined;
  try {
    return JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as Av;
  } catch {
    throw Object.assign(new Error('Invalid pagination token'), { name: 'ValidationException' });
  }
}

/** Merges several expressions' names/values (condition + update, query + filter). */
function merge(...parts: (Expression | undefined | null)[]): {
  ExpressionAttributeNames?: Record<string, string>;
  ExpressionAttributeValues?: Av;
} {
  const names: Record<string, string> = {};
  const values: Av = {};
  for (const p of parts) {
    if (!p) continue;
    Object.assign(names, p.expressionNames ?? {});
    Object.assign(values, p.expressionValues ?? {});
  }
  return {
    ExpressionAttributeNames: Object.keys(names).length ? names : undefined,
    ExpressionAttributeValues: Object.keys(values).length ? values : undefined,
  };
}

function projection(p: Expression | undefined): {
  ProjectionExpression?: string;
  ExpressionAttributeNames?: Record<string, string>;
} {
  return p ? { ProjectionExpression: p.expression, ExpressionAttributeNames: p.expressionNames } : {};
}

/** ConditionExpression + ALL_OLD on failure, for a request's optional `condition`. */
function conditionOf(condition: Condition | undefined): {
  ConditionExpression?: string;
  ReturnValuesOnConditionCheckFailure?: 'ALL_OLD';
} {
  if (!condition) return {};
  if (condition.conditionalCheckFailedHandler?.strategy === 'Custom') {
    throw new Error('The local DynamoDB data source does not implement conditionalCheckFailedHandler strategy Custom');
  }
  return { ConditionExpression: condition.expression, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' };
}

/** Sends a conditional single-item write; a failed condition becomes ConditionFailed with the current item. */
async function conditional<T>(send: () => Promise<T>): Promise<T> {
  try {
    return await send();
  } catch (err) {
    const e = err as { name?: string; Item?: Av };
    if (e.name === 'ConditionalCheckFailedException') throw new ConditionFailed(plain(e.Item));
    throw err;
  }
}

function without(item: Record<string, unknown>, ignore: string[] | undefined): Record<string, unknown> {
  const out = { ...item };
  for (const name of ignore ?? []) delete out[name];
  return out;
}

/** Socket-level failures: DynamoDB could not be reached at all (stopped, restarting, connection cut). */
const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * AppSync reaches DynamoDB inside AWS: when DynamoDB cannot serve a request the resolver sees a
 * DynamoDB exception, never a socket error naming an address. A local DynamoDB that cannot be
 * reached (after the client's own retries) is therefore reported as DynamoDB's 503,
 * `ServiceUnavailable`, which the resolvers answer as a retryable `Unavailable` (lib/errors).
 */
function unreachable(err: unknown): boolean {
  const e = err as { code?: string; name?: string; $metadata?: { httpStatusCode?: number } };
  if (e.$metadata?.httpStatusCode) return false;
  return UNREACHABLE_CODES.has(e.code ?? '') || e.name === 'TimeoutError';
}

function failure(err: unknown): DataSourceOutcome {
  if (unreachable(err)) {
    return { error: { message: 'DynamoDB is unavailable', type: 'DynamoDB:ServiceUnavailable' }, result: null };
  }
  if (err instanceof ConditionFailed) {
    return { error: { message: err.message, type: `DynamoDB:${err.name}` }, result: err.current };
  }
  const e = err as {
    name?: string;
    message?: string;
    CancellationReasons?: { Code?: string; Message?: string; Item?: Av }[];
  };
  const type = `DynamoDB:${e.name ?? 'Error'}`;
  if (e.name === 'TransactionCanceledException') {
    return {
      error: { message: e.message ?? 'Transaction cancelled', type },
      result: {
        keys: null,
        cancellationReasons: (e.CancellationReasons ?? []).map((r) => ({
          type: r.Code ?? 'None',
          message: r.Message ?? null,
          item: r.Item ? unmarshall(r.Item) : undefined,
        })),
      },
    };
  }
  return { error: { message: e.message ?? String(err), type }, result: null };
}

/** DynamoDB Local's lock wait timeout (see the file comment): a request that did nothing and DynamoDB would have served. */
function lockedOut(err: unknown): boolean {
  const e = err as { message?: string; $metadata?: { httpStatusCode?: number } };
  return e.$metadata?.httpStatusCode === 500 && /waiting for a lock/.test(e.message ?? '');
}

/** Sends of a request DynamoDB Local locked out, before it is answered as contention. */
const LOCKED_OUT_ATTEMPTS = 8;

/** A DynamoDB data source bound to one table (the Main table, as in the API construct). */
export function createDynamoDbSource(client: DynamoDBClient, table: string) {
  const run = async (req: Record<string, Loose>): Promise<unknown> => {
    switch (req.operation) {
      case 'GetItem': {
        const out = await client.send(
          new GetItemCommand({
            TableName: table,
            Key: req.key,
            ConsistentRead: req.consistentRead,
            ...projection(req.projection),
          }),
        );
        return plain(out.Item);
      }
      case 'PutItem': {
        const item = { ...req.attributeValues, ...req.key } as Av;
        const condition = req.condition as Condition | undefined;
        try {
          await conditional(() =>
            client.send(
              new PutItemCommand({ TableName: table, Item: item, ...conditionOf(condition), ...merge(condition) }),
            ),
          );
        } catch (err) {
          // AppSync: the current value already equals the desired item → treated as a success.
          const current = err instanceof ConditionFailed ? err.current : null;
          if (
            current &&
            isDeepStrictEqual(
              without(current, condition?.equalsIgnore),
              without(unmarshall(item), condition?.equalsIgnore),
            )
          )
            return current;
          throw err;
        }
        return unmarshall(item);
      }
      case 'UpdateItem': {
        const out = await conditional(() =>
          client.send(
            new UpdateItemCommand({
              TableName: table,
              Key: req.key,
              UpdateExpression: req.update.expression,
              ReturnValues: 'ALL_NEW',
              ...conditionOf(req.condition as Condition | undefined),
              ...merge(req.update, req.condition),
            }),
          ),
        );
        return plain(out.Attributes);
      }
      case 'DeleteItem': {
        try {
          const out = await conditional(() =>
            client.send(
              new DeleteItemCommand({
                TableName: table,
                Key: req.key,
                ReturnValues: 'ALL_OLD',
                ...conditionOf(req.condition as Condition | undefined),
                ...merge(req.condition),
              }),
            ),
          );
          return plain(out.Attributes);
        } catch (err) {
          // AppSync: nothing there to delete → treated as a success.
          if (err instanceof ConditionFailed && !err.current) return null;
          throw err;
        }
      }
      case 'Query':
      case 'Scan': {
        const common = {
          TableName: table,
          IndexName: req.index,
          Limit: req.limit,
          ExclusiveStartKey: decodeToken(req.nextToken),
          ConsistentRead: req.consistentRead,
          Select: req.select,
          FilterExpression: req.filter?.expression,
          ProjectionExpression: req.projection?.expression,
        };
        const names = merge(
          req.query,
          req.filter,
          req.projection ? { expression: '', expressionNames: req.projection.expressionNames } : undefined,
        );
        const out =
          req.operation === 'Query'
            ? await client.send(
                new QueryCommand({
                  ...common,
                  KeyConditionExpression: req.query.expression,
                  ScanIndexForward: req.scanIndexForward ?? true,
                  ...names,
                }),
              )
            : await client.send(
                new ScanCommand({ ...common, Segment: req.segment, TotalSegments: req.totalSegments, ...names }),
              );
        return {
          items: (out.Items ?? []).map((i) => unmarshall(i)),
          nextToken: encodeToken(out.LastEvaluatedKey),
          scannedCount: out.ScannedCount ?? 0,
        };
      }
      case 'BatchGetItem': {
        const tables = req.tables as Record<string, { keys: Av[]; consistentRead?: boolean }>;
        const out = await client.send(
          new BatchGetItemCommand({
            RequestItems: Object.fromEntries(
              Object.entries(tables).map(([t, v]) => [t, { Keys: v.keys, ConsistentRead: v.consistentRead }]),
            ),
          }),
        );
        // AppSync keeps the request order and answers null for missing keys.
        const data: Record<string, unknown[]> = {};
        for (const [t, v] of Object.entries(tables)) {
          const found = (out.Responses?.[t] ?? []).map((i) => unmarshall(i));
          data[t] = v.keys.map((k) => {
            const key = unmarshall(k);
            return found.find((i) => Object.entries(key).every(([n, val]) => i[n] === val)) ?? null;
          });
        }
        const unprocessedKeys = Object.fromEntries(
          Object.entries(out.UnprocessedKeys ?? {}).map(([t, v]) => [t, (v.Keys ?? []).map((k) => unmarshall(k))]),
        );
        return { data, unprocessedKeys };
      }
      case 'BatchPutItem':
      case 'BatchDeleteItem': {
        const tables = req.tables as Record<string, Av[]>;
        const put = req.operation === 'BatchPutItem';
        const out = await client.send(
          new BatchWriteItemCommand({
            RequestItems: Object.fromEntries(
              Object.entries(tables).map(([t, items]) => [
                t,
                items.map((i) => (put ? { PutRequest: { Item: i } } : { DeleteRequest: { Key: i } })),
              ]),
            ),
          }),
        );
        const data = Object.fromEntries(
          Object.entries(tables).map(([t, items]) => [t, items.map((i) => unmarshall(i))]),
        );
        const unprocessed = Object.fromEntries(
          Object.entries(out.UnprocessedItems ?? {}).map(([t, v]) => [
            t,
            v.map((w) => unmarshall((put ? w.PutRequest?.Item : w.DeleteRequest?.Key) ?? {})),
          ]),
        );
        return put ? { data, unprocessedItems: unprocessed } : { data, unprocessedKeys: unprocessed };
      }
      case 'TransactGetItems': {
        const items = req.transactItems as { table: string; key: Av; projection?: Expression }[];
        const out = await client.send(
          new TransactGetItemsCommand({
            TransactItems: items.map((i) => ({ Get: { TableName: i.table, Key: i.key, ...projection(i.projection) } })),
          }),
        );
        return { items: (out.Responses ?? []).map((r) => plain(r.Item)), cancellationReasons: null };
      }
      case 'TransactWriteItems': {
        const items = req.transactItems as Record<string, Loose>[];
        const writes: TransactWriteItem[] = items.map((i) => {
          const cond = i.condition as (Expression & { returnValuesOnConditionCheckFailure?: boolean }) | undefined;
          const base = {
            TableName: i.table as string,
            ConditionExpression: cond?.expression,
            ReturnValuesOnConditionCheckFailure: cond?.returnValuesOnConditionCheckFailure
              ? ('ALL_OLD' as const)
              : undefined,
          };
          switch (i.operation) {
            case 'PutItem':
              return { Put: { ...base, Item: { ...i.attributeValues, ...i.key }, ...merge(cond) } };
            case 'UpdateItem':
              return {
                Update: { ...base, Key: i.key, UpdateExpression: i.update.expression, ...merge(i.update, cond) },
              };
            case 'DeleteItem':
              return { Delete: { ...base, Key: i.key, ...merge(cond) } };
            case 'ConditionCheck':
              return {
                ConditionCheck: { ...base, ConditionExpression: cond?.expression ?? '', Key: i.key, ...merge(cond) },
              };
            default:
              throw new Error(`Unsupported transactItems operation ${String(i.operation)}`);
          }
        });
        await client.send(new TransactWriteItemsCommand({ TransactItems: writes }));
        return { keys: items.map((i) => unmarshall(i.key)), cancellationReasons: null };
      }
      default:
        throw new Error(`The local DynamoDB data source does not implement operation ${String(req.operation)}`);
    }
  };

  return {
    /** Runs one request object; DynamoDB errors become `ctx.error` as in AppSync. */
    async execute(req: unknown): Promise<DataSourceOutcome> {
      if (!req || typeof req !== 'object') throw new Error('DynamoDB request handler returned no request object');
      for (let attempt = 1; ; attempt++) {
        try {
          return { result: await run(req as Record<string, Loose>), error: null };
        } catch (err) {
          if (
            (err as Error).message?.startsWith('The local DynamoDB data source') ||
            (err as Error).message?.startsWith('Unsupported transactItems')
          )
            throw err;
          if (lockedOut(err) && attempt < LOCKED_OUT_ATTEMPTS) {
            await new Promise((resolve) => setTimeout(resolve, 10 * attempt + Math.random() * 40));
            continue;
          }
          if (lockedOut(err) && (req as Record<string, Loose>).operation === 'TransactWriteItems') {
            const items = (req as Record<string, Loose>).transactItems as unknown[];
            return failure(
              Object.assign(
                new Error('Transaction cancelled, please refer cancellation reasons for specific reasons'),
                {
                  name: 'TransactionCanceledException',
                  CancellationReasons: items.map(() => ({
                    Code: 'TransactionConflict',
                    Message: 'Transaction is ongoing for the item',
                  })),
                },
              ),
            );
          }
          return failure(err);
        }
      }
    },
  };
}
