/**
 * The account gate (lib/api/resolvers/functions/accountGate.ts) on every mutation a signed-in user
 * can call, the list read from the schema: a banned account's token, still valid until it expires,
 * is answered ACCOUNT_BANNED with the ban's reason by each of them, through the local GraphQL server
 * and the same resolver files AppSync runs; a suspension that is not a ban, and a lifted ban, are not.
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import {
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  type GraphQLInputType,
} from 'graphql';
import { beforeAll, describe, expect, it } from 'vitest';
import { accountGatedFields, loadSchema } from '../../../lib/api/resolver-files';
import { ADMINS_GROUP } from '../../../lambdas/shared/domain/economy';
import { suspensionKey } from '../../../lambdas/shared/domain/keys';
import { ACCOUNT_BANNED, INDEFINITE_UNTIL } from '../../../lambdas/shared/domain/safety';
import { useEconomyApi, type User } from '../economy/harness';

const api = useEconomyApi({
  conserve: false,
  invokeLambda: async (name, payload) => {
    const mod = (await import(`../../../lambdas/${name}/handler.ts`)) as { handler: (e: unknown) => unknown };
    return mod.handler(payload);
  },
});
const schema = loadSchema();
// An admin too, so the admin-only mutations get past their own check of the caller (in the resolver's
// request, before any function) and reach the gate: a banned admin is held out like anyone.
const bob: User = { sub: 'u-bob', handle: 'bob', groups: [ADMINS_GROUP] };
/** Inputs whose rules the resolver checks before the pipeline runs: values those rules accept. */
const NAMED: Record<string, unknown> = { giftId: 'rose' };
const REASON = 'Spam links in every chat.';

/** A value of `type` that passes GraphQL's own validation (the gate runs before the field's rules). */
function sample(type: GraphQLInputType): unknown {
  if (isNonNullType(type)) return sample(type.ofType);
  if (isListType(type)) return [sample(type.ofType)];
  if (isEnumType(type)) return type.getValues()[0]?.value;
  if (isInputObjectType(type)) {
    const out: Record<string, unknown> = {};
    for (const f of Object.values(type.getFields()))
      if (isNonNullType(f.type)) out[f.name] = NAMED[f.name] ?? sample(f.type);
    return out;
  }
  if (isScalarType(type)) {
    const scalars: Record<string, unknown> = {
      Int: 1,
      Float: 1,
      Boolean: true,
      AWSJSON: '{}',
      AWSDateTime: new Date(Date.now() + 3_600_000).toISOString(),
      AWSDate: '2030-01-01',
      AWSEmail: 'someone@example.com',
      AWSURL: 'https://example.com/x',
    };
    return scalars[type.name] ?? 'x-sample-1';
  }
  throw new Error(`no sample for ${String(type)}`);
}

/** The mutation as a request with sample arguments, selecting only __typename (or nothing on a scalar). */
function request(field: string): { query: string; variables: Record<string, unknown> } {
  const name = field.split('.')[1] as string;
  const def = schema.getMutationType()?.getFields()[name];
  if (!def) throw new Error(`${field} is not in the schema`);
  const params = def.args.map((a) => `$${a.name}: ${String(a.type)}`).join(', ');
  const args = def.args.map((a) => `${a.name}: $${a.name}`).join(', ');
  const selection = isObjectType(getNamedType(def.type)) ? ' { __typename }' : '';
  const query = `mutation${params ? `(${params})` : ''} { ${name}${args ? `(${args})` : ''}${selection} }`;
  const variables = Object.fromEntries(
    def.args.filter((a) => isNonNullType(a.type)).map((a) => [a.name, sample(a.type)]),
  );
  return { query, variables };
}

const suspend = (banned: boolean) =>
  api.db.doc.send(
    new PutCommand({
      TableName: api.db.tableName,
      Item: {
        ...suspensionKey(bob.sub),
        type: 'Suspension',
        userId: bob.sub,
        reason: REASON,
        source: 'ADMIN',
        banned,
        since: new Date().toISOString(),
        until: INDEFINITE_UNTIL,
        byUserId: 'u-admin',
      },
    }),
  );

/** Each gated mutation's first error type as bob. */
async function answers(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const field of [...accountGatedFields(schema)].sort()) {
    const { query, variables } = request(field);
    const r = await api.gql(bob, query, variables);
    out[field] = r.errors?.[0]?.errorType ?? 'OK';
  }
  return out;
}

beforeAll(() => {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: api.db.lambdaEndpoint,
    // Every other AWS service (IVS, IVS Chat, EventBridge, Lambda, ...) at a closed port: its calls fail at once.
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_MAX_ATTEMPTS: '1',
    RESOURCE_TAG: 'test',
    JOBS_BUS_NAME: 'test-jobs',
    // Reports from the matrix's five roles must not suspend the channel under test.
    AUTO_SUSPEND_REPORTS: '1000',
  });
});

describe('the account gate', () => {
  it('covers every mutation a user pool token may call, and none of the Lambdas’ publish mutations', () => {
    const gated = accountGatedFields(schema);
    const mutations = Object.keys(schema.getMutationType()?.getFields() ?? {}).map((n) => `Mutation.${n}`);
    expect(mutations.filter((m) => !gated.has(m))).toEqual(mutations.filter((m) => m.startsWith('Mutation.publish')));
    expect(gated.has('Mutation.placeBid') && gated.has('Mutation.createChatToken')).toBe(true);
  });

  it('refuses a banned account every mutation, with the reason', async () => {
    await suspend(true);
    const got = await answers();
    const notRefused = Object.entries(got).filter(([, type]) => type !== ACCOUNT_BANNED);
    expect(notRefused).toEqual([]);
    const bid = await api.gql(bob, request('Mutation.placeBid').query, request('Mutation.placeBid').variables);
    expect(bid.errors?.[0]?.message).toContain(REASON);
  }, 120_000);

  it('lets a suspended (not banned) streamer and a lifted ban through', async () => {
    await suspend(false);
    expect(Object.entries(await answers()).filter(([, type]) => type === ACCOUNT_BANNED)).toEqual([]);
    await api.db.doc.send(new DeleteCommand({ TableName: api.db.tableName, Key: suspensionKey(bob.sub) }));
    expect(Object.entries(await answers()).filter(([, type]) => type === ACCOUNT_BANNED)).toEqual([]);
  }, 180_000);
});
