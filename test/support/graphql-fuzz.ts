/**
 * A schema-driven input generator for the GraphQL fuzzer (test/integration/fuzz): reads the root
 * Query and Mutation fields of lib/api/schema.graphql with the `graphql` package, builds one
 * document per field (every argument a variable, a selection of the return type's fields), and
 * generates variables from the argument types: a valid baseline (values that name the fuzz run's
 * real users, products and schedules, so the resolvers get past their first check), and variants
 * that change one place of it to something hostile (wrong type, null, missing, huge, unicode,
 * prototype keys, key separators, boundary and NaN-ish numbers, extra or too many entries).
 * Deterministic for a seed (a small PRNG), so a CI run can be replayed.
 */
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLArgument,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLOutputType,
  type GraphQLSchema,
} from 'graphql';

/** mulberry32: a tiny seeded PRNG; the fuzzer needs reproducibility, not cryptographic quality. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export type Rng = () => number;
const pick = <T>(rng: Rng, items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;

/** One root field with its document. */
export interface FuzzOperation {
  kind: 'query' | 'mutation';
  name: string;
  field: GraphQLField<unknown, unknown>;
  document: string;
}

/** The fields of an output type worth selecting: leaves, and object fields without required arguments, two levels deep. */
function selection(type: GraphQLOutputType, depth: number): string {
  const named = getNamedType(type);
  if (!isObjectType(named)) return '';
  const parts: string[] = [];
  for (const f of Object.values(named.getFields())) {
    if (f.args.some((a) => isNonNullType(a.type))) continue;
    const inner = getNamedType(f.type);
    if (isObjectType(inner)) {
      if (depth <= 0) continue;
      const sub = selection(f.type, depth - 1);
      if (sub) parts.push(`${f.name} ${sub}`);
    } else parts.push(f.name);
  }
  return parts.length ? `{ ${parts.join(' ')} }` : '';
}

/** Every Query and Mutation field as a document with one variable per argument. */
export function operationsOf(schema: GraphQLSchema): FuzzOperation[] {
  const out: FuzzOperation[] = [];
  for (const [kind, type] of [
    ['query', schema.getQueryType()],
    ['mutation', schema.getMutationType()],
  ] as const) {
    for (const field of Object.values(type?.getFields() ?? {})) {
      const vars = field.args.map((a) => `$${a.name}: ${a.type.toString()}`).join(', ');
      const args = field.args.map((a) => `${a.name}: $${a.name}`).join(', ');
      const document = `${kind} Fuzz${vars ? `(${vars})` : ''} { ${field.name}${args ? `(${args})` : ''} ${selection(field.type, 2)} }`;
      out.push({ kind, name: field.name, field, document });
    }
  }
  return out;
}

/** Values of the run's real resources, by what an argument or input field names. */
export interface FuzzPools {
  owner: { userId: string; handle: string };
  other: { userId: string; handle: string };
  viewer: { userId: string; handle: string };
  products: { owner: string[]; other: string[] };
  openAuction: string;
  scheduleIds: string[];
  recordingIds: string[];
  streamIds: string[];
  nowMs: number;
}

const HUGE = 'x'.repeat(100_000);
const UNICODE = ['😀🛍️', 'مرحبا', '\u200b\u200d', 'a\u0000b', '\ud800', 'Ω≈ç√', '🏳️‍🌈'.repeat(50), 'ｆｕｌｌ'];
const PROTO = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];
const KEYISH = [
  'USER#x',
  'CHANNEL#a#PRODUCTS',
  '#',
  'PRODUCT#',
  'a/b/../c',
  '%00',
  "' OR 1=1 --",
  '${jndi:x}',
  '<script>alert(1)</script>',
];
const BAD_INTS = [-1, 0, -2147483648, 2147483647, 2147483648, 1.5, 1e300, -0.0001, 9007199254740993];
const NANISH = ['NaN', 'Infinity', '-Infinity', '1e3', '0x10', ''];
const BAD_DATES = [
  'not-a-date',
  '2026-13-45T25:61:00Z',
  '+275760-09-13T00:00:00.000Z',
  '1970-01-01T00:00:00Z',
  '2026-12-02',
  '9999-12-31T23:59:59Z',
  '',
];
const BAD_JSON = [
  '{',
  '[]',
  'null',
  '"x"',
  '{"__proto__":{"polluted":true}}',
  `${'['.repeat(2000)}${']'.repeat(2000)}`,
  '{"size":"M","colour":1}',
];

/** A valid value for a scalar argument or input field, by its name and type. */
function validScalar(rng: Rng, typeName: string, name: string, p: FuzzPools): unknown {
  const owner = p.owner.userId;
  const iso = (ms: number) => new Date(ms).toISOString();
  switch (name) {
    case 'channelId':
    case 'streamerId':
      return rng() < 0.7 ? owner : pick(rng, [p.other.userId, p.viewer.userId]);
    case 'userId':
      return pick(rng, [p.viewer.userId, p.other.userId, owner]);
    case 'productId':
      return rng() < 0.75 ? pick(rng, p.products.owner) : pick(rng, p.products.other);
    case 'handle':
      return pick(rng, [p.owner.handle, p.other.handle, p.viewer.handle]);
    case 'scheduleId':
      return pick(rng, p.scheduleIds);
    case 'recordingId':
      return pick(rng, p.recordingIds);
    case 'streamId':
      return pick(rng, p.streamIds);
    case 'bidId':
    case 'notificationId':
    case 'messageId':
      return `fz-${Math.floor(rng() * 1e12).toString(36)}`;
    case 'clientLikeId':
      return `fz-like-${Math.floor(rng() * 1e12).toString(36)}`;
    case 'nextToken':
      return null;
    case 'limit':
      return 1 + Math.floor(rng() * 50);
    case 'seconds':
      return pick(rng, [60, 600, 3600]);
    case 'amount':
      return 100_000 + Math.floor(rng() * 2_000_000_000);
    case 'currency':
      return pick(rng, ['USD', 'EUR', 'JPY']);
    case 'title':
      return pick(rng, ['Fuzz lamp', 'Retro tee', 'Night show']);
    case 'category':
      return pick(rng, ['Tech', 'Fashion']);
    case 'language':
      return 'en';
    case 'imageUrl':
    case 'thumbnailUrl':
    case 'link':
      return 'https://example.com/a.png';
    case 'startsAt':
      return iso(p.nowMs + 86_400_000 + Math.floor(rng() * 1e9));
    case 'at':
    case 'createdAt':
      return iso(p.nowMs);
    case 'params':
      return '{}';
    default:
      break;
  }
  switch (typeName) {
    case 'Int':
      return Math.floor(rng() * 100);
    case 'Float':
      return rng() * 100;
    case 'Boolean':
      return rng() < 0.5;
    case 'AWSDateTime':
      return iso(p.nowMs);
    case 'AWSJSON':
      return '{}';
    default:
      return pick(rng, ['spam', 'Hello there', 'ok']);
  }
}

/** Complete valid inputs for the input objects whose fields constrain each other. */
function validInput(rng: Rng, typeName: string, p: FuzzPools): Record<string, unknown> | undefined {
  const iso = (ms: number) => new Date(ms).toISOString();
  switch (typeName) {
    case 'CreateProductInput': {
      const saleMode = pick(rng, ['AUCTION', 'BUY_NOW', 'AUCTION_WITH_BUY_NOW']);
      return {
        channelId: rng() < 0.8 ? p.owner.userId : p.other.userId,
        title: 'Fuzz lamp',
        description: 'A lamp',
        imageUrl: 'https://example.com/l.png',
        type: 'GENERIC',
        params: '{}',
        saleMode,
        currency: pick(rng, ['USD', 'EUR', 'JPY']),
        ...(saleMode === 'BUY_NOW' ? {} : { startingBid: 1000, durationSeconds: 600, softCloseSeconds: 30 }),
        ...(saleMode === 'AUCTION' ? {} : { buyNowPrice: 50_000 }),
      };
    }
    case 'PlaceBidInput':
      return {
        productId: rng() < 0.7 ? p.openAuction : pick(rng, [...p.products.owner, ...p.products.other]),
        amount: 100_000 + Math.floor(rng() * 2_000_000_000),
        bidId: `fz-${Math.floor(rng() * 1e12).toString(36)}`,
      };
    case 'ScheduleStreamInput':
      return { title: 'Night show', category: 'Tech', startsAt: iso(p.nowMs + 86_400_000 + Math.floor(rng() * 1e9)) };
    case 'UpdateStreamDetailsInput':
      return {
        title: 'Fuzz show',
        category: 'Tech',
        tags: ['vintage', 'lamps'],
        language: 'en',
        goingLiveMessage: 'Live now!',
        displayName: 'Fuzzer',
      };
    case 'UpdateChatSettingsInput':
      return {
        channelId: rng() < 0.8 ? p.owner.userId : p.other.userId,
        slowModeSeconds: 5,
        blockedWords: ['spam'],
        blockedWordsAction: 'MASK',
        pinnedMessage: 'Welcome',
      };
    case 'PublishStreamStatusInput':
      return {
        channelId: p.owner.userId,
        handle: p.owner.handle,
        status: 'OFFLINE',
        streamId: pick(rng, p.streamIds),
        title: 'Fuzz show',
        at: iso(p.nowMs),
      };
    case 'PublishStreamHealthInput':
      return {
        channelId: p.owner.userId,
        streamId: pick(rng, p.streamIds),
        at: iso(p.nowMs),
        viewerCount: 3,
        peakViewers: 5,
        bitrate: 2.5e6,
        frameRate: 30,
        events: [],
      };
    case 'PublishNotificationInput':
      return {
        notificationId: `fz-${Math.floor(rng() * 1e12).toString(36)}`,
        userId: p.viewer.userId,
        kind: 'GO_LIVE',
        title: 'Live now',
        body: 'Come watch',
        link: 'https://example.com/ann',
        createdAt: iso(p.nowMs),
      };
    case 'PublishAuctionClosedInput':
      return { channelId: p.owner.userId, productId: pick(rng, p.products.owner), outcome: 'NO_SALE' };
    default:
      return undefined;
  }
}

function validValue(rng: Rng, type: GraphQLInputType, name: string, p: FuzzPools): unknown {
  if (isNonNullType(type)) return validValue(rng, type.ofType, name, p);
  if (isListType(type)) {
    const n = 1 + Math.floor(rng() * 3);
    return Array.from({ length: n }, () => validValue(rng, type.ofType, name, p));
  }
  if (isEnumType(type)) return pick(rng, type.getValues()).value;
  if (isInputObjectType(type)) {
    const known = validInput(rng, type.name, p);
    if (known) return known;
    const out: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields())) {
      if (isNonNullType(f.type) || rng() < 0.5) out[f.name] = validValue(rng, f.type, f.name, p);
    }
    return out;
  }
  return validScalar(rng, isScalarType(type) ? type.name : 'String', name, p);
}

/** Something hostile where a value of `type` is expected. */
function hostileValue(rng: Rng, type: GraphQLInputType, p: FuzzPools): { value: unknown; why: string } {
  const named = getNamedType(type);
  const required = isNonNullType(type);
  const inner = required ? type.ofType : type;
  const options: (() => { value: unknown; why: string })[] = [
    () => ({ value: null, why: required ? 'null for a required value' : 'null' }),
    () => ({ value: { nested: true }, why: 'an object for a scalar' }),
  ];
  if (isListType(inner)) {
    options.push(
      () => ({ value: [], why: 'an empty list' }),
      () => ({ value: [null], why: 'a null list element' }),
      () => ({
        value: Array.from({ length: 1000 }, () => validValue(rng, inner.ofType, '', p)),
        why: '1,000 list elements',
      }),
      () => ({ value: validValue(rng, inner.ofType, '', p), why: 'a single value for a list' }),
    );
  } else if (isInputObjectType(named)) {
    const base = validValue(rng, named, '', p) as Record<string, unknown>;
    const fields = Object.values(named.getFields());
    options.push(
      () => ({ value: { ...base, unknownField: 1 }, why: 'an unknown input field' }),
      () => ({
        value: JSON.parse(`{"__proto__":{"polluted":true},${JSON.stringify(base).slice(1)}`) as unknown,
        why: 'a __proto__ input field',
      }),
      () => ({ value: 'a string', why: 'a string for an input object' }),
      () => {
        // One field of a valid input made hostile (the most useful variant: it reaches the resolver).
        const f = pick(rng, fields);
        const bad = hostileValue(rng, f.type, p);
        const copy = { ...base };
        if (rng() < 0.15) {
          delete copy[f.name];
          return { value: copy, why: `${f.name} missing` };
        }
        copy[f.name] = bad.value;
        return { value: copy, why: `${f.name}: ${bad.why}` };
      },
      () => {
        const f = pick(rng, fields);
        const bad = hostileValue(rng, f.type, p);
        return { value: { ...base, [f.name]: bad.value }, why: `${f.name}: ${bad.why}` };
      },
    );
  } else if (isEnumType(named)) {
    options.push(
      () => ({ value: pick(rng, ['NOPE', 'live', '', '__proto__']), why: 'an unknown enum value' }),
      () => ({ value: 1, why: 'a number for an enum' }),
    );
  } else {
    switch (named.name) {
      case 'Int':
      case 'Float':
        options.push(
          () => {
            const v = pick(rng, BAD_INTS);
            return { value: v, why: `the number ${v}` };
          },
          () => {
            const v = pick(rng, NANISH);
            return { value: v, why: `the string ${JSON.stringify(v)} for a number` };
          },
          () => ({ value: -1 - Math.floor(rng() * 1e6), why: 'a negative number' }),
          () => ({ value: true, why: 'a boolean for a number' }),
        );
        break;
      case 'Boolean':
        options.push(
          () => ({ value: 'true', why: 'a string for a boolean' }),
          () => ({ value: 1, why: 'a number for a boolean' }),
        );
        break;
      case 'AWSDateTime':
        options.push(() => {
          const v = pick(rng, BAD_DATES);
          return { value: v, why: `the date ${JSON.stringify(v)}` };
        });
        break;
      case 'AWSJSON':
        options.push(() => {
          const v = pick(rng, BAD_JSON);
          return { value: v, why: `the JSON ${JSON.stringify(v.slice(0, 40))}` };
        });
        break;
      default:
        options.push(
          () => ({ value: HUGE, why: 'a 100,000-character string' }),
          () => {
            const v = pick(rng, UNICODE);
            return { value: v, why: `the unicode string ${JSON.stringify(v.slice(0, 12))}` };
          },
          () => {
            const v = pick(rng, PROTO);
            return { value: v, why: `the prototype key ${v}` };
          },
          () => {
            const v = pick(rng, KEYISH);
            return { value: v, why: `the key-like string ${JSON.stringify(v)}` };
          },
          () => ({ value: '', why: 'an empty string' }),
          () => ({ value: '   ', why: 'a blank string' }),
          () => ({ value: 12345, why: 'a number for a string' }),
          () => ({ value: ['a'], why: 'a list for a string' }),
          () => ({
            value: Buffer.from(JSON.stringify({ PK: { S: `USER#${p.other.userId}` }, SK: { S: 'PROFILE' } })).toString(
              rng() < 0.5 ? 'base64' : 'base64url',
            ),
            why: 'a crafted paging key',
          }),
        );
    }
  }
  return pick(rng, options)();
}

/** One generated request: variables and what makes it interesting. */
export interface FuzzCase {
  variables: Record<string, unknown>;
  /** 'valid', or where the hostile value went and what it is. */
  label: string;
}

/**
 * Case `i` of an operation: every fourth one is the valid baseline, the others change one
 * argument (or one field of an input argument): hostile value, or left out.
 */
export function caseFor(op: FuzzOperation, i: number, rng: Rng, p: FuzzPools): FuzzCase {
  const base: Record<string, unknown> = {};
  for (const a of op.field.args) {
    const v = validValue(rng, a.type, a.name, p);
    if (v !== null && v !== undefined) base[a.name] = v;
  }
  if (i % 4 === 0 || !op.field.args.length) return { variables: base, label: 'valid' };
  const arg: GraphQLArgument = pick(rng, op.field.args);
  if (rng() < 0.12) {
    const { [arg.name]: _dropped, ...rest } = base;
    return { variables: rest, label: `${arg.name} missing${isNonNullType(arg.type) ? ' (required)' : ''}` };
  }
  const bad = hostileValue(rng, arg.type, p);
  return { variables: { ...base, [arg.name]: bad.value }, label: `${arg.name}: ${bad.why}` };
}
