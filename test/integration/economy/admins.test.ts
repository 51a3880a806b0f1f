/**
 * Platform admins in the local mode, end to end: the local Cognito has the `admins` group the
 * stack declares, `npm run admin -- add <email>` (the real CLI) puts a signed-up user in it, the
 * user's next ID token carries `cognito:groups` (from a new sign-in, and from a refresh of the
 * session they already have: GetTokensFromRefreshToken, the call aws-amplify makes), and the local
 * GraphQL server hands that to the resolvers as identity.groups: payoutQueue answers the admin and
 * refuses everyone else.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMINS_GROUP,
  DEFAULT_ECONOMY_SETTINGS,
  DEFAULT_GIFT_CATALOG,
  economyEnvironment,
} from '../../../lambdas/shared/domain/economy';
import { createEngine } from '../../../local/appsync/engine';
import { startLocalCognito, type LocalCognito } from '../../../local/auth/cognito';
import { startLocalGraphql, type LocalGraphql } from '../../../local/graphql/server';
import { useDynamoDbLocal } from '../../support/dynamo';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const PASSWORD = 'Local-Test-Pass-1!';
const db = useDynamoDbLocal();
let dir: string;
let cognito: LocalCognito;
let graphql: LocalGraphql;

async function idp(target: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(cognito.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${target}`,
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${target}: ${JSON.stringify(json)}`);
  return json;
}

interface Tokens {
  IdToken: string;
  AccessToken: string;
  RefreshToken?: string;
}

/** Signs a user up, confirms them with the code from the outbox, and answers a function that signs them in. */
async function user(email: string, handle: string): Promise<() => Promise<Tokens>> {
  await idp('SignUp', {
    ClientId: cognito.userPoolClientId,
    Username: email,
    Password: PASSWORD,
    UserAttributes: [
      { Name: 'email', Value: email },
      { Name: 'preferred_username', Value: handle },
    ],
  });
  const outbox = join(dir, 'outbox');
  let code: string | undefined;
  for (let i = 0; i < 200 && !code; i++) {
    code = readdirSync(outbox)
      .map((f) => JSON.parse(readFileSync(join(outbox, f), 'utf8')) as { email: string; code: string })
      .find((e) => e.email === email)?.code;
    if (!code) await new Promise((r) => setTimeout(r, 25));
  }
  await idp('ConfirmSignUp', { ClientId: cognito.userPoolClientId, Username: email, ConfirmationCode: code });
  return async () => {
    const out = await idp('InitiateAuth', {
      ClientId: cognito.userPoolClientId,
      AuthFlow: 'USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD },
    });
    return out.AuthenticationResult as Tokens;
  };
}

const queue = async (token: string) => {
  const res = await fetch(graphql.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: token },
    body: JSON.stringify({ query: 'query { payoutQueue { items { payoutId } } }' }),
  });
  return (await res.json()) as {
    data?: { payoutQueue?: { items: unknown[] } } | null;
    errors?: { errorType?: string }[];
  };
};
const claims = (token: string) =>
  JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'economy-admins-'));
  cognito = await startLocalCognito({
    dataDir: join(dir, 'cognito'),
    outboxDir: join(dir, 'outbox'),
    port: 0,
    groups: [ADMINS_GROUP],
  });
  const engine = createEngine({
    dynamo: db.client,
    tables: { Main: db.tableName, Idempotency: db.idempotencyTableName },
    env: economyEnvironment({ ...DEFAULT_ECONOMY_SETTINGS, gifts: DEFAULT_GIFT_CATALOG }),
    invokeLambda: async () => {
      throw new Error('no Lambda here');
    },
  });
  graphql = await startLocalGraphql({ engine, verify: cognito.verify, port: 0 });
  // What `npm start` leaves for the CLI: the endpoints file beside the pool's ids.
  writeFileSync(join(dir, 'endpoints.json'), JSON.stringify({ cognitoUrl: cognito.url }));
});

afterAll(async () => {
  await graphql?.stop();
  await cognito?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('npm run admin -- add <email>', () => {
  it('makes a user an admin from their next sign-in; nobody else reaches admin fields', async () => {
    const ada = await user('ada@example.com', 'ada');
    const bob = await user('bob@example.com', 'bob');
    const signedIn = await ada();
    const before = signedIn.IdToken;
    expect(claims(before)['cognito:groups']).toBeUndefined();
    expect((await queue(before)).errors?.[0]?.errorType).toBe('FORBIDDEN');

    const cli = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts', 'admin.ts'), 'add', 'ada@example.com', '--data-dir', dir],
      { cwd: ROOT },
    );
    expect(cli.stdout).toContain('ada@example.com is an admin now');
    const list = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts', 'admin.ts'), 'list', '--data-dir', dir],
      { cwd: ROOT },
    );
    expect(list.stdout.trim()).toBe('ada@example.com');

    const after = (await ada()).IdToken;
    expect(claims(after)['cognito:groups']).toEqual([ADMINS_GROUP]);
    expect(await queue(after)).toEqual({ data: { payoutQueue: { items: [] } } });
    expect((await queue((await bob()).IdToken)).errors?.[0]?.errorType).toBe('FORBIDDEN');

    // The session from before the add, refreshed as the web app refreshes it, carries the group too.
    const refreshed = await idp('GetTokensFromRefreshToken', {
      ClientId: cognito.userPoolClientId,
      RefreshToken: signedIn.RefreshToken,
    });
    const tokens = refreshed.AuthenticationResult as Tokens & { TokenType: string; ExpiresIn: number };
    expect(tokens.RefreshToken).toBeUndefined();
    expect(tokens.TokenType).toBe('Bearer');
    expect(tokens.ExpiresIn).toBeGreaterThan(0);
    expect(claims(tokens.IdToken)).toMatchObject({
      'cognito:groups': [ADMINS_GROUP],
      email: 'ada@example.com',
      token_use: 'id',
    });
    expect(claims(tokens.AccessToken)['cognito:groups']).toEqual([ADMINS_GROUP]);
    expect(await queue(tokens.IdToken)).toEqual({ data: { payoutQueue: { items: [] } } });
    await expect(
      idp('GetTokensFromRefreshToken', { ClientId: cognito.userPoolClientId, RefreshToken: 'not-a-refresh-token' }),
    ).rejects.toThrow(/NotAuthorized/);

    const unknown = promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'scripts', 'admin.ts'), 'add', 'nobody@example.com', '--data-dir', dir],
      { cwd: ROOT },
    );
    await expect(unknown).rejects.toMatchObject({
      stderr: expect.stringContaining('No user signed up with nobody@example.com.'),
    });
  });
});
