import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../../../local/appsync/engine';
import {
  AppSyncError,
  EarlyReturn,
  loadResolverCode,
  util,
  withInvocation,
  type AppendedError,
} from '../../../../local/appsync/runtime';

const load = (body: string) =>
  loadResolverCode(`import { util, runtime } from '@aws-appsync/utils';\n${body}`, 'test.js');

describe('local APPSYNC_JS runtime', () => {
  it('loads bundled ESM with @aws-appsync/utils and nothing else', () => {
    const mod = load(
      'export function request(ctx) { return { payload: util.dynamodb.toMapValues({ a: 1, b: "x", c: [true], d: null }) }; }',
    );
    expect(mod.request?.({})).toEqual({
      payload: { a: { N: '1' }, b: { S: 'x' }, c: { L: [{ BOOL: true }] }, d: { NULL: true } },
    });
    expect(() => loadResolverCode("import fs from 'node:fs'; export const x = fs;", 'bad.js')).toThrow(
      /cannot import node:fs/,
    );
  });

  it('util.error throws a typed error; appendError collects; unauthorized', () => {
    const mod = load(
      'export function request(ctx) { util.appendError("soft", "SOFT"); util.error("hard", "BID_TOO_LOW", null, { minimum: 5 }); }',
    );
    const errors: AppendedError[] = [];
    let thrown: unknown;
    try {
      withInvocation(errors, () => mod.request?.({}));
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(AppSyncError);
    expect(thrown).toMatchObject({ message: 'hard', errorType: 'BID_TOO_LOW', errorInfo: { minimum: 5 } });
    expect(errors).toEqual([{ message: 'soft', errorType: 'SOFT', data: null, errorInfo: null }]);
    expect(() => util.unauthorized()).toThrow('Unauthorized');
  });

  it('runtime.earlyReturn carries its value', () => {
    const mod = load('export function request(ctx) { runtime.earlyReturn({ cached: true }); }');
    try {
      mod.request?.({});
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(EarlyReturn);
      expect((err as EarlyReturn).value).toEqual({ cached: true });
    }
  });

  it('ids, time and string helpers', () => {
    expect(util.autoId()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(util.autoUlid()).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(util.time.parseISO8601ToEpochMilliSeconds('2024-01-01T00:00:00.000Z')).toBe(1704067200000);
    expect(util.time.epochMilliSecondsToISO8601(1704067200000)).toBe('2024-01-01T00:00:00.000Z');
    expect(Math.abs(util.time.nowEpochMilliSeconds() - Date.now())).toBeLessThan(1000);
    expect(util.isNullOrEmpty('')).toBe(true);
    expect(util.defaultIfNull(null, 3)).toBe(3);
    expect(util.base64Decode(util.base64Encode('héllo'))).toBe('héllo');
    expect(util.str.toUpper('a')).toBe('A');
  });

  it('an unimplemented util function fails loudly, naming it', () => {
    const mod = load('export function request(ctx) { return util.transform.toDynamoDBFilterExpression({}); }');
    expect(() => mod.request?.({})).toThrow('util.transform is not implemented by the local APPSYNC_JS runtime');
    expect(() => (util.time as unknown as Record<string, () => void>).nowFormatted?.()).toThrow(
      'util.time.nowFormatted is not implemented',
    );
  });

  it('runs resolver code without the globals AppSync does not document, as AppSync would refuse it', () => {
    const uses = (expr: string) => load(`export function request(ctx) { return ${expr}; }`).request?.({});
    expect(() => uses('Date.now()')).toThrow(/Date is not available in the APPSYNC_JS runtime/);
    expect(() => uses('new Date(0).toISOString()')).toThrow(/Date is not available/);
    expect(() => uses('Math.random()')).toThrow(/Math\.random is not available/);
    expect(() => uses('Promise.resolve(1)')).toThrow(/Promise is not available/);
    expect(() => uses('new Map()')).toThrow(/Map is not available/);
    expect(() => uses('setTimeout(() => 1, 0)')).toThrow(/setTimeout is not defined/);
    expect(() => uses('process.env')).toThrow(/process is not defined/);
    expect(() => uses('new Function("return 1")()')).toThrow(/Code generation from strings disallowed/);
    expect(() => uses('eval("1")')).toThrow(/eval is not available/);
    expect(() => uses('(() => 0).constructor("return 1")()')).toThrow(/Code generation from strings disallowed/);
  });

  it('keeps what AppSync documents: util.time, Math, JSON, Object, Array and String methods', () => {
    const mod = load(`export function request(ctx) {
      const ms = util.time.parseISO8601ToEpochMilliSeconds(ctx.args.at);
      return { iso: util.time.epochMilliSecondsToISO8601(ms + 1000), max: Math.max(1, 2), floor: Math.floor(2.5),
        json: JSON.parse(JSON.stringify({ a: [1] })), keys: Object.keys({ x: 1 }), up: 'a-b'.split('-').map((s) => s.toUpperCase()),
        finite: Number.isFinite(1) && !isNaN(parseInt('12', 10)) };
    }`);
    expect(mod.request?.({ args: { at: '2024-01-01T00:00:00.000Z' } })).toEqual({
      iso: '2024-01-01T00:00:01.000Z',
      max: 2,
      floor: 2,
      json: { a: [1] },
      keys: ['x'],
      up: ['A', 'B'],
      finite: true,
    });
  });

  it('fails an async handler: APPSYNC_JS handlers are synchronous', () => {
    const mod = load('export async function request(ctx) { return {}; }');
    expect(() => mod.request?.({})).toThrow('request returned a promise');
  });
});

describe('local GraphQL engine', () => {
  it('answers a field whose resolver uses Date.now() with an error, as AppSync would, and serves util.time', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'appsync-globals-'));
    const resolvers = join(dir, 'resolvers');
    mkdirSync(resolvers);
    writeFileSync(join(dir, 'schema.graphql'), 'type Query { now: String ok: String }');
    const file = (body: string) =>
      `import { util, runtime } from '@aws-appsync/utils';\n${body}\nexport function response(ctx) { return ctx.result; }\n`;
    writeFileSync(
      join(resolvers, 'Query.now.ts'),
      file('export function request(ctx) { return runtime.earlyReturn(String(Date.now())); }'),
    );
    writeFileSync(
      join(resolvers, 'Query.ok.ts'),
      file('export function request(ctx) { return runtime.earlyReturn(util.time.nowISO8601()); }'),
    );
    const engine = createEngine({
      dynamo: new DynamoDBClient({
        region: 'us-east-1',
        endpoint: 'http://127.0.0.1:9',
        credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
      }),
      tables: { Main: 'unused', Idempotency: 'unused' },
      invokeLambda: () => Promise.reject(new Error('no Lambda here')),
      schemaPath: join(dir, 'schema.graphql'),
      resolversDir: resolvers,
    });
    // Fields without an auth directive take the default mode, Cognito.
    const cognito = {
      mode: 'AMAZON_COGNITO_USER_POOLS' as const,
      identity: {
        sub: 'u1',
        username: 'u1',
        claims: {},
        groups: null,
        issuer: 'local',
        sourceIp: [],
        defaultAuthStrategy: 'ALLOW',
      },
    };
    const answer = await engine.execute({ query: '{ now ok }', auth: cognito });
    expect(answer.data).toEqual({ now: null, ok: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/) });
    expect(answer.errors?.map((e) => [e.path, e.message])).toEqual([
      [['now'], expect.stringMatching(/Date is not available in the APPSYNC_JS runtime/)],
    ]);
  });
});
