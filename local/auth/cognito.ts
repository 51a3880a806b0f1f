/**
 * Local sign-up and sign-in: cognito-local (a Cognito user pool API the web app's aws-amplify code
 * uses unchanged, with USER_PASSWORD_AUTH; it has no SRP) as a child process on 127.0.0.1, its data
 * under `<dataDir>`. Confirmation codes are printed to the terminal and written to the outbox the
 * moment cognito-local delivers them (local/auth/cognito-local-hooks.mjs, which also adds
 * ResendConfirmationCode).
 * The Cognito triggers reach the account function through the local Lambda endpoint.
 * cognito-local does not enforce an app client's WriteAttributes, so it listens on an internal port
 * behind a small proxy that refuses, as Cognito does, a SignUp or UpdateUserAttributes writing an
 * attribute the client may not write.
 */
import type { ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { createPublicKey, verify as verifySignature } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { USER_WRITABLE_ATTRIBUTES } from '../../lambdas/shared/domain/claims';
import { freePort, listen } from '../http';
import { clearStaleChildren, endedHow, spawnGuarded } from '../process/children';

const ROOT = join(import.meta.dirname, '..', '..');

export interface LocalCognitoOptions {
  dataDir: string;
  outboxDir: string;
  port?: number;
  /** Local Lambda endpoint and the function to call after sign-up confirmation. */
  lambda?: { url: string; postConfirmation: string; preTokenGeneration?: string };
  log?: (line: string) => void;
  /**
   * User pool groups to create if missing, as the stack declares them (the `admins` group):
   * members get them in `cognito:groups`.
   * @default none
   */
  groups?: readonly string[];
}

export interface Claims {
  sub: string;
  token_use: 'id' | 'access';
  iss: string;
  exp: number;
  [k: string]: unknown;
}

export interface LocalCognito {
  url: string;
  userPoolId: string;
  userPoolClientId: string;
  issuer: string;
  /** Verifies a local id or access token (signature, issuer, expiry); throws with a reason. */
  verify(jwt: string): Promise<Claims>;
  stop(): Promise<void>;
}

/**
 * cognito-local puts only email and custom attributes into ID tokens; Cognito puts every readable
 * standard attribute there. This pre-token-generation shim (served by the local Lambda endpoint)
 * adds the standard attributes the web app reads, so the local tokens look like Cognito's. It takes
 * the event the platform's own pre-token-generation function (account) answered and keeps that
 * function's overrides and suppressions, which win over the attributes (cognito-local calls one function).
 */
export const ID_TOKEN_CLAIMS_SHIM = 'local-cognito-id-token-claims';
export function idTokenClaimsShim(event: Record<string, unknown>): unknown {
  // Cognito (and cognito-local) put them under `request`, as for every trigger.
  const attrs = ((event.request as { userAttributes?: Record<string, string> } | undefined)?.userAttributes ??
    {}) as Record<string, string>;
  const claims = Object.fromEntries(
    ['preferred_username', 'name', 'email_verified'].filter((k) => attrs[k] !== undefined).map((k) => [k, attrs[k]]),
  );
  const platform = (
    event.response as
      | { claimsOverrideDetails?: { claimsToAddOrOverride?: Record<string, string>; claimsToSuppress?: string[] } }
      | undefined
  )?.claimsOverrideDetails;
  return {
    ...event,
    response: {
      claimsOverrideDetails: {
        claimsToAddOrOverride: { ...claims, ...platform?.claimsToAddOrOverride },
        ...(platform?.claimsToSuppress ? { claimsToSuppress: platform.claimsToSuppress } : {}),
      },
    },
  };
}

/**
 * The checks AppSync makes on a Cognito user pool token beyond its signature: the pool's issuer, not
 * expired, an ID or access token (a refresh token is no identity), issued to the app client (`aud`
 * on ID tokens, `client_id` on access tokens). Throws with the reason; returns the claims.
 */
export function checkClaims(
  claims: Record<string, unknown>,
  expected: { issuer: string; clientId: string; nowMs: number },
): Claims {
  if (claims.iss !== expected.issuer) throw new Error(`issuer ${String(claims.iss)} is not ${expected.issuer}`);
  if (typeof claims.exp !== 'number' || claims.exp * 1000 < expected.nowMs) throw new Error('token expired');
  if (typeof claims.sub !== 'string' || !claims.sub) throw new Error('token has no subject');
  if (claims.token_use === 'id') {
    if (claims.aud !== expected.clientId) throw new Error('ID token was issued to another app client');
  } else if (claims.token_use === 'access') {
    if (claims.client_id !== expected.clientId) throw new Error('access token was issued to another app client');
  } else {
    throw new Error(`a ${String(claims.token_use ?? 'token without token_use')} token is not an ID or access token`);
  }
  return claims as Claims;
}

async function call(url: string, target: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${target}`,
      authorization: 'AWS4-HMAC-SHA256 Credential=local/20200101/us-east-1/cognito-idp/aws4_request',
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`cognito-local ${target} failed: ${JSON.stringify(json)}`);
  return json;
}

/** One code delivery as local/auth/cognito-local-hooks.mjs reports it on its side channel. */
export interface CodeDelivery {
  /** What caused it, as Cognito names trigger sources: SignUp, ResendCode, ForgotPassword, UpdateUserAttribute, ... */
  source: string;
  destination: string;
  code: string;
  username?: string;
}

/** Parses one side-channel line into a delivery; anything else answers undefined. */
export function parseCodeDelivery(line: string): CodeDelivery | undefined {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return undefined;
  }
  const v = value as Partial<Record<'kind' | 'source' | 'destination' | 'code' | 'username', unknown>>;
  if (
    v?.kind !== 'code-delivery' ||
    typeof v.code !== 'string' ||
    typeof v.destination !== 'string' ||
    !v.code ||
    !v.destination
  )
    return undefined;
  return {
    source: typeof v.source === 'string' ? v.source : 'SignUp',
    destination: v.destination,
    code: v.code,
    ...(typeof v.username === 'string' ? { username: v.username } : {}),
  };
}

/**
 * Writes a delivery to the outbox (`cognito-<time>-<n>-<destination>.json`, in order of delivery)
 * and answers the file. The sequence number keeps two deliveries in one millisecond apart.
 */
export function writeCodeDelivery(outboxDir: string, delivery: CodeDelivery, sequence: number): string {
  const at = new Date().toISOString();
  const file = join(
    outboxDir,
    `cognito-${at.replace(/[:.]/g, '-')}-${String(sequence).padStart(6, '0')}-${delivery.destination.replace(/[^A-Za-z0-9@._-]/g, '_')}.json`,
  );
  writeFileSync(
    file,
    JSON.stringify(
      { kind: 'ConfirmationCode', source: delivery.source, at, email: delivery.destination, code: delivery.code },
      null,
      2,
    ),
  );
  return file;
}

/** The attributes a SignUp or UpdateUserAttributes request writes, and the client it comes through. */
export function attributeWrite(
  target: string,
  body: Record<string, unknown>,
): { clientId?: string; names: string[] } | undefined {
  const names = ((body.UserAttributes ?? []) as { Name?: string }[]).map((a) => String(a.Name));
  if (target === 'SignUp') return { clientId: body.ClientId as string | undefined, names };
  if (target === 'UpdateUserAttributes') {
    const payload = String(body.AccessToken ?? '').split('.')[1] ?? '';
    const claims = (() => {
      try {
        return JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { client_id?: string };
      } catch {
        return {};
      }
    })();
    return { clientId: claims.client_id, names };
  }
  return undefined;
}

/** Forwards to cognito-local, refusing writes of attributes outside `writable` for `clientId()`. */
function writeAttributesProxy(upstream: string, clientId: () => string | undefined, writable: readonly string[]) {
  return createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const target = String(req.headers['x-amz-target'] ?? '').replace(/^AWSCognitoIdentityProviderService\./, '');
      let write: ReturnType<typeof attributeWrite>;
      try {
        write =
          req.method === 'POST' && body.length
            ? attributeWrite(target, JSON.parse(body.toString('utf8')) as Record<string, unknown>)
            : undefined;
      } catch {
        write = undefined;
      }
      if (write && write.clientId === clientId() && write.names.some((n) => !writable.includes(n))) {
        res
          .writeHead(400, {
            'content-type': 'application/x-amz-json-1.1',
            'x-amzn-errortype': 'NotAuthorizedException',
            'access-control-allow-origin': '*',
          })
          .end(
            JSON.stringify({
              __type: 'NotAuthorizedException',
              message: 'A client attempted to write unauthorized attribute',
            }),
          );
        return;
      }
      const out = httpRequest(
        `${upstream}${req.url ?? '/'}`,
        { method: req.method, headers: { ...req.headers, host: new URL(upstream).host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      out.on('error', (error) => res.writeHead(502).end(error.message));
      out.end(body);
    });
  });
}

/**
 * This process's environment without the SDK endpoint settings: the Lambda runner puts a platform's
 * endpoints there, and cognito-local's SDK (v2) would prefer `AWS_ENDPOINT_URL_LAMBDA` over the Lambda
 * endpoint in its config, so a second platform in the same process (tests, benches) had its Cognito
 * triggers sent to the first one's endpoint ("ECONNREFUSED" at sign-in).
 */
function childEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('AWS_ENDPOINT_URL')));
}

export async function startLocalCognito(opts: LocalCognitoOptions): Promise<LocalCognito> {
  mkdirSync(join(opts.dataDir, '.cognito'), { recursive: true });
  mkdirSync(opts.outboxDir, { recursive: true });
  // A cognito-local left by a start that was SIGKILLed together with its guard would still own the pool's files.
  await clearStaleChildren(join(opts.dataDir, 'cognito-local.pid'));
  const port = opts.port || (await freePort());
  const url = `http://127.0.0.1:${port}`;
  // cognito-local itself, behind the write-attributes proxy on `port`.
  const innerPort = await freePort();
  const inner = `http://127.0.0.1:${innerPort}`;
  const configPath = join(opts.dataDir, '.cognito', 'config.json');
  writeFileSync(
    configPath,
    JSON.stringify(
      {
        LambdaClient: {
          endpoint: opts.lambda?.url,
          region: 'us-east-1',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        },
        TriggerFunctions: opts.lambda
          ? {
              PostConfirmation: opts.lambda.postConfirmation,
              ...(opts.lambda.preTokenGeneration ? { PreTokenGeneration: opts.lambda.preTokenGeneration } : {}),
            }
          : {},
        UserPoolDefaults: { UsernameAttributes: ['email'] },
        TokenConfig: { IssuerDomain: url },
      },
      null,
      2,
    ),
  );

  const bin = join(ROOT, 'node_modules', 'cognito-local', 'lib', 'bin', 'start.js');
  const hooks = join(import.meta.dirname, 'cognito-local-hooks.mjs');
  const child: ChildProcess = spawnGuarded(process.execPath, ['--import', pathToFileURL(hooks).href, bin], {
    cwd: opts.dataDir,
    env: { ...childEnv(), PORT: String(innerPort), HOST: '127.0.0.1', NO_COLOR: '1', FORCE_COLOR: '0' },
    sideChannel: true,
    pidFile: join(opts.dataDir, 'cognito-local.pid'),
  });
  // Its own log is not read (it stalls, see the hooks); it is drained so it never blocks the child,
  // keeping the end of stderr to say why should it end unasked.
  child.stdout?.resume();
  let stderrTail = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-1500);
  });
  let stopping = false;
  child.once('exit', (code, signal) => {
    if (!stopping)
      opts.log?.(
        `cognito-local (guard pid ${child.pid}) exited unexpectedly: it ${endedHow(code, signal)}. Its last output: ${stderrTail.trim() || '(none)'}`,
      );
  });
  let sequence = 0;
  const deliveries = createInterface({ input: child.stdio[3] as Readable, crlfDelay: Infinity });
  deliveries.on('line', (line) => {
    const delivery = parseCodeDelivery(line);
    if (!delivery) return;
    writeCodeDelivery(opts.outboxDir, delivery, ++sequence);
    opts.log?.(
      `${delivery.source === 'ForgotPassword' ? 'password reset' : 'confirmation'} code for ${delivery.destination}: ${delivery.code}`,
    );
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  // As long as DynamoDB Local gets: on a loaded 2-core machine cognito-local's start alone has taken over 20 s.
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await call(inner, 'ListUserPools', { MaxResults: 1 });
      break;
    } catch (error) {
      if (child.exitCode !== null) throw new Error(`cognito-local exited with code ${child.exitCode}`);
      if (Date.now() > deadline) {
        stopping = true;
        child.kill();
        throw new Error(`cognito-local did not answer on ${inner}: ${(error as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  // One pool and one web client, created once and reused across restarts.
  const idsPath = join(opts.dataDir, 'pool.json');
  let ids = existsSync(idsPath)
    ? (JSON.parse(readFileSync(idsPath, 'utf8')) as { userPoolId: string; userPoolClientId: string })
    : undefined;
  if (ids) {
    try {
      await call(inner, 'DescribeUserPoolClient', { UserPoolId: ids.userPoolId, ClientId: ids.userPoolClientId });
    } catch {
      ids = undefined;
    }
  }
  if (!ids) {
    const pool = await call(inner, 'CreateUserPool', {
      PoolName: 'local-users',
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      Schema: [
        { Name: 'email', Required: true, Mutable: true },
        { Name: 'preferred_username', Required: true, Mutable: true },
      ],
      Policies: {
        PasswordPolicy: {
          MinimumLength: 12,
          RequireLowercase: true,
          RequireUppercase: true,
          RequireNumbers: true,
          RequireSymbols: true,
        },
      },
    });
    const userPoolId = (pool.UserPool as { Id: string }).Id;
    const client = await call(inner, 'CreateUserPoolClient', {
      UserPoolId: userPoolId,
      ClientName: 'local-web',
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      WriteAttributes: [...USER_WRITABLE_ATTRIBUTES],
    });
    ids = { userPoolId, userPoolClientId: (client.UserPoolClient as { ClientId: string }).ClientId };
    writeFileSync(idsPath, JSON.stringify(ids, null, 2));
  }
  for (const group of opts.groups ?? []) {
    try {
      await call(inner, 'GetGroup', { UserPoolId: ids.userPoolId, GroupName: group });
    } catch {
      await call(inner, 'CreateGroup', { UserPoolId: ids.userPoolId, GroupName: group });
    }
  }
  const clientId = ids.userPoolClientId;
  const proxy = writeAttributesProxy(inner, () => clientId, USER_WRITABLE_ATTRIBUTES);
  try {
    await listen(proxy, port, 'local Cognito');
  } catch (error) {
    child.kill();
    throw error;
  }
  const issuer = `${url}/${ids.userPoolId}`;
  const jwks = (await (await fetch(`${issuer}/.well-known/jwks.json`)).json()) as {
    keys: (Record<string, string> & { kid: string })[];
  };

  return {
    url,
    issuer,
    ...ids,
    async verify(jwt) {
      const [h, p, s] = jwt.split('.');
      if (!h || !p || !s) throw new Error('not a JWT');
      const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as { kid?: string; alg?: string };
      const jwk = jwks.keys.find((k) => k.kid === header.kid) ?? jwks.keys[0];
      if (!jwk || header.alg !== 'RS256') throw new Error('unknown signing key');
      const ok = verifySignature(
        'RSA-SHA256',
        Buffer.from(`${h}.${p}`),
        createPublicKey({ key: jwk, format: 'jwk' }),
        Buffer.from(s, 'base64url'),
      );
      if (!ok) throw new Error('bad signature');
      return checkClaims(JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Record<string, unknown>, {
        issuer,
        clientId: ids.userPoolClientId,
        nowMs: Date.now(),
      });
    },
    async stop() {
      stopping = true;
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
    },
  };
}
