import { describe, expect, it } from 'vitest';
import { AppSyncError, EarlyReturn, loadResolverCode, util, withInvocation, type AppendedError } from '../../../../local/appsync/runtime';

const load = (body: string) => loadResolverCode(`import { util, runtime } from '@aws-appsync/utils';\n${body}`, 'test.js');

describe('local APPSYNC_JS runtime', () => {
  it('loads bundled ESM with @aws-appsync/utils and nothing else', () => {
    const mod = load('export function request(ctx) { return { payload: util.dynamodb.toMapValues({ a: 1, b: "x", c: [true], d: null }) }; }');
    expect(mod.request?.({})).toEqual({ payload: { a: { N: '1' }, b: { S: 'x' }, c: { L: [{ BOOL: true }] }, d: { NULL: true } } });
    expect(() => loadResolverCode("import fs from 'node:fs'; export const x = fs;", 'bad.js')).toThrow(/cannot import node:fs/);
  });

  it('util.error throws a typed error; appendError collects; unauthorized', () => {
    const mod = load('export function request(ctx) { util.appendError("soft", "SOFT"); util.error("hard", "BID_TOO_LOW", null, { minimum: 5 }); }');
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
    expect(() => (util.time as unknown as Record<string, () => void>).nowFormatted?.()).toThrow('util.time.nowFormatted is not implemented');
  });
});
