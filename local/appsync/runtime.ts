/**
 * The APPSYNC_JS runtime: `util`, `runtime` and `extensions` as `@aws-appsync/utils` exposes them
 * inside AppSync, and a loader that evaluates a bundled resolver with those objects.
 *
 * Resolver handlers are synchronous, so the per-invocation state (collected `appendError`s) lives
 * in a module variable set by `withInvocation` around each handler call. Every namespace is a
 * Proxy: reading a function the runtime does not implement throws, naming it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createContext, Script, type Context as VmContext } from 'node:vm';
import { marshall } from '@aws-sdk/util-dynamodb';
import { transformSync } from 'esbuild';
import { CROCKFORD_ALPHABET } from '../../lambdas/shared/domain/ids';

/** An error raised by `util.error` / `util.unauthorized`: ends the field with this error. */
export class AppSyncError extends Error {
  constructor(
    message: string,
    readonly errorType: string | null,
    readonly data: unknown = null,
    readonly errorInfo: unknown = null,
  ) {
    super(message);
    this.name = 'AppSyncError';
  }
}

/** Thrown by `runtime.earlyReturn`: skips the data source and the response handler. */
export class EarlyReturn {
  constructor(readonly value: unknown) {}
}

export interface AppendedError {
  message: string;
  errorType: string | null;
  data: unknown;
  errorInfo: unknown;
}

let appended: AppendedError[] | null = null;

/** Runs one handler call, collecting the errors it appends with `util.appendError`. */
export function withInvocation<T>(errors: AppendedError[], fn: () => T): T {
  const previous = appended;
  appended = errors;
  try {
    return fn();
  } finally {
    appended = previous;
  }
}

function strict<T extends object>(path: string, target: T): T {
  return new Proxy(target, {
    get(obj, key, receiver) {
      if (typeof key === 'symbol' || key in obj || key === 'then' || key === 'toJSON')
        return Reflect.get(obj, key, receiver);
      throw new Error(
        `${path}.${key} is not implemented by the local APPSYNC_JS runtime (see docs/local-appsync-runtime.md)`,
      );
    },
  });
}

const CROCKFORD = CROCKFORD_ALPHABET;

function ulid(): string {
  let time = Date.now();
  let head = '';
  for (let i = 0; i < 10; i++) {
    head = CROCKFORD[time % 32] + head;
    time = Math.floor(time / 32);
  }
  const bytes = randomBytes(16);
  let tail = '';
  for (let i = 0; i < 16; i++) tail += CROCKFORD[(bytes[i] ?? 0) % 32];
  return head + tail;
}

function toDynamoDB(value: unknown): unknown {
  return marshall({ v: value }, { removeUndefinedValues: true, convertClassInstanceToMap: true }).v;
}

function isNull(v: unknown): boolean {
  return v === null || v === undefined;
}

function isEmpty(v: unknown): boolean {
  if (isNull(v)) return true;
  if (typeof v === 'string' || Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v as object).length === 0;
  return false;
}

const time = strict('util.time', {
  nowISO8601: (): string => new Date().toISOString(),
  nowEpochSeconds: (): number => Math.floor(Date.now() / 1000),
  nowEpochMilliSeconds: (): number => Date.now(),
  parseISO8601ToEpochMilliSeconds: (s: string): number => {
    const ms = Date.parse(s);
    if (Number.isNaN(ms)) throw new AppSyncError(`Invalid ISO8601 date: ${s}`, 'DateTimeParseException');
    return ms;
  },
  epochMilliSecondsToISO8601: (ms: number): string => new Date(ms).toISOString(),
  epochMilliSecondsToSeconds: (ms: number): number => Math.floor(ms / 1000),
});

const dynamodb = strict('util.dynamodb', {
  toDynamoDB,
  toMapValues: (obj: Record<string, unknown>): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(obj)) if (v !== undefined) out[k] = toDynamoDB(v);
    return out;
  },
  toString: (s: string) => ({ S: s }),
  toStringSet: (s: string[]) => ({ SS: s }),
  toNumber: (n: number) => ({ N: String(n) }),
  toNumberSet: (n: number[]) => ({ NS: n.map(String) }),
  toBoolean: (b: boolean) => ({ BOOL: b }),
  toNull: () => ({ NULL: true }),
  toList: (l: unknown[]) => ({ L: l.map(toDynamoDB) }),
  toMap: (m: Record<string, unknown>) => toDynamoDB(m),
  toBinary: (b: string) => ({ B: b }),
});

const str = strict('util.str', {
  toUpper: (s: string) => s.toUpperCase(),
  toLower: (s: string) => s.toLowerCase(),
  toReplace: (s: string, find: string, replace: string) => s.split(find).join(replace),
  normalize: (s: string, form: string) => s.normalize(form.toUpperCase()),
});

/** `util` as resolvers import it. */
export const util = strict('util', {
  error(message: string, errorType?: string | null, data?: unknown, errorInfo?: unknown): never {
    throw new AppSyncError(message, errorType ?? null, data ?? null, errorInfo ?? null);
  },
  appendError(message: string, errorType?: string | null, data?: unknown, errorInfo?: unknown): void {
    if (!appended) throw new Error('util.appendError called outside a resolver invocation');
    appended.push({ message, errorType: errorType ?? null, data: data ?? null, errorInfo: errorInfo ?? null });
  },
  unauthorized(): never {
    throw new AppSyncError('Unauthorized', 'Unauthorized');
  },
  autoId: (): string => randomUUID(),
  autoUlid: ulid,
  isNull,
  isNullOrEmpty: isEmpty,
  isNullOrBlank: (v: unknown) => isNull(v) || (typeof v === 'string' && v.trim() === ''),
  defaultIfNull: <T>(v: T, d: T): T => (isNull(v) ? d : v),
  defaultIfNullOrEmpty: <T>(v: T, d: T): T => (isEmpty(v) ? d : v),
  defaultIfNullOrBlank: <T>(v: T, d: T): T => (isNull(v) || (typeof v === 'string' && v.trim() === '') ? d : v),
  isString: (v: unknown) => typeof v === 'string',
  isNumber: (v: unknown) => typeof v === 'number',
  isBoolean: (v: unknown) => typeof v === 'boolean',
  isList: (v: unknown) => Array.isArray(v),
  isMap: (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v),
  typeOf: (v: unknown) =>
    v === null || v === undefined
      ? 'Null'
      : Array.isArray(v)
        ? 'List'
        : typeof v === 'object'
          ? 'Map'
          : typeof v === 'string'
            ? 'String'
            : typeof v === 'number'
              ? 'Number'
              : typeof v === 'boolean'
                ? 'Boolean'
                : 'Object',
  matches: (pattern: string, s: string) => new RegExp(`^(?:${pattern})$`).test(s),
  base64Encode: (s: string) => Buffer.from(s, 'utf8').toString('base64'),
  base64Decode: (s: string) => Buffer.from(s, 'base64').toString('utf8'),
  urlEncode: (s: string) => encodeURIComponent(s),
  urlDecode: (s: string) => decodeURIComponent(s),
  escapeJavaScript: (s: string) => JSON.stringify(s).slice(1, -1),
  time,
  dynamodb,
  str,
});

/** `runtime` as resolvers import it. */
export const runtime = strict('runtime', {
  earlyReturn(value?: unknown): never {
    throw new EarlyReturn(value ?? null);
  },
});

/** `extensions`: none implemented yet; any use fails loudly. */
export const extensions = strict('extensions', {});

const utilsModule = { util, runtime, extensions };

/** A loaded resolver or pipeline function module. */
export interface ResolverModule {
  request?: (ctx: unknown) => unknown;
  response?: (ctx: unknown) => unknown;
  /** Pipeline functions (names under `resolvers/functions/`), when the field is a pipeline. */
  pipeline?: string[];
}

/**
 * Globals a fresh JavaScript realm has that AppSync's "Supported runtime features" page does not
 * list (docs/local-appsync-runtime.md): reading one from resolver code throws, as the code would
 * fail in AppSync. Time comes from `util.time`, ids and randomness from `util.autoId`/`autoUlid`.
 */
export const ABSENT_GLOBALS: readonly string[] = [
  'Date',
  'Promise',
  'Proxy',
  'Reflect',
  'Symbol',
  'Map',
  'Set',
  'WeakMap',
  'WeakSet',
  'WeakRef',
  'FinalizationRegistry',
  'RegExp',
  'BigInt',
  'Intl',
  'WebAssembly',
  'eval',
  'Iterator',
  'AsyncIterator',
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Atomics',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float16Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'escape',
  'unescape',
];

/** `Math` functions withheld: randomness is `util.autoId`'s job, and a resolver result must not depend on it. */
const ABSENT_MATH: readonly string[] = ['random'];

/**
 * A realm for one resolver module: the ECMAScript built-ins AppSync documents, nothing of Node's
 * (no timers, `process`, `Buffer`, `require`), code generation from strings off (`eval`,
 * `new Function`, `Function('...')` throw), and every name of ABSENT_GLOBALS a throwing getter.
 */
function appSyncRealm(label: string): VmContext {
  const context = createContext({}, { name: label, codeGeneration: { strings: false, wasm: false } });
  const global = new Script('globalThis').runInContext(context) as Record<string, unknown>;
  const unsupported = (name: string): never => {
    throw new ReferenceError(
      `${name} is not available in the APPSYNC_JS runtime (docs/local-appsync-runtime.md); ${label}`,
    );
  };
  for (const name of ABSENT_GLOBALS) {
    Object.defineProperty(global, name, { get: () => unsupported(name), configurable: false });
  }
  const math = global.Math as Record<string, unknown>;
  for (const name of ABSENT_MATH) {
    Object.defineProperty(math, name, { get: () => unsupported(`Math.${name}`), configurable: false });
  }
  Object.defineProperty(global, 'console', {
    value: Object.freeze({
      log: (...args: unknown[]) => console.log(...args),
      error: (...args: unknown[]) => console.error(...args),
    }),
  });
  return context;
}

function isThenable(value: unknown): boolean {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}

/**
 * Evaluates bundled APPSYNC_JS code (ESM with `@aws-appsync/utils` external). The bundle is
 * converted to CommonJS and run in its own realm (appSyncRealm) with a `require` that only knows
 * `@aws-appsync/utils`, so no file, network or Node API, and no global AppSync lacks, is
 * reachable from a resolver. A handler returning a promise (an `async` one) fails, as in AppSync.
 */
export function loadResolverCode(code: string, label: string): ResolverModule {
  const cjs = transformSync(code, { format: 'cjs', loader: 'js', target: 'es2020', sourcefile: label }).code;
  const module = { exports: {} as ResolverModule };
  const requireShim = (id: string): unknown => {
    if (id === '@aws-appsync/utils') return utilsModule;
    throw new Error(`${label}: APPSYNC_JS code cannot import ${id}`);
  };
  const wrapper = new Script(`(function (require, module, exports) {${cjs}\n})`, { filename: label }).runInContext(
    appSyncRealm(label),
  ) as (r: typeof requireShim, m: typeof module, e: ResolverModule) => void;
  wrapper(requireShim, module, module.exports);
  const loaded = module.exports;
  const checked = (name: 'request' | 'response'): ((ctx: unknown) => unknown) | undefined => {
    const fn = loaded[name];
    if (!fn) return undefined;
    return (ctx: unknown) => {
      const result = fn(ctx);
      if (isThenable(result))
        throw new Error(`${label}: ${name} returned a promise; APPSYNC_JS handlers are synchronous`);
      return result;
    };
  };
  return { ...loaded, request: checked('request'), response: checked('response') };
}
