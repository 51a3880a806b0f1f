/**
 * A small client for the running local mode, used by `--demo` and the tests: Cognito sign-up with
 * the confirmation code from the outbox, USER_PASSWORD_AUTH sign-in, and GraphQL calls with the
 * user's access token (the same wire protocols the web app's aws-amplify code uses).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LocalSession {
  accessToken: string;
  idToken: string;
  sub: string;
}

/** A Cognito API error: `type` is Cognito's exception name (UsernameExistsException, ...). */
export class CognitoApiError extends Error {
  constructor(
    readonly target: string,
    readonly type: string,
    readonly status: number,
    detail: string,
  ) {
    super(`${target}: ${type}: ${detail}`);
    this.name = 'CognitoApiError';
  }
}

async function cognito(url: string, target: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${target}`,
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok)
    throw new CognitoApiError(
      target,
      String(json.__type ?? json.code ?? res.status),
      res.status,
      String(json.message ?? ''),
    );
  return json;
}

/** Confirmation codes written to the outbox for `email`, oldest first. */
export function confirmationCodesFor(outboxDir: string, email: string): string[] {
  const files = readdirSync(outboxDir)
    .filter((f) => f.startsWith('cognito-') && f.endsWith('.json'))
    .sort();
  return files
    .map((f) => JSON.parse(readFileSync(join(outboxDir, f), 'utf8')) as { email: string; code: string })
    .filter((entry) => entry.email === email)
    .map((entry) => entry.code);
}

/** Newest confirmation code written to the outbox for `email`. */
export function confirmationCodeFor(outboxDir: string, email: string): string | undefined {
  return confirmationCodesFor(outboxDir, email).at(-1);
}

/** Waits for a code for `email` beyond the first `seen` ones (local Cognito writes it as it answers; 20 s is slack for a loaded machine). */
async function nextCode(outboxDir: string, email: string, seen: number): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const codes = confirmationCodesFor(outboxDir, email);
    if (codes.length > seen) return codes.at(-1) as string;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no confirmation code for ${email} in ${outboxDir}`);
}

/**
 * Signs a user up, confirms them with the code from the outbox and signs them in. Safe to run again
 * for the same user: an existing account is signed in, and one left unconfirmed (a run that stopped
 * between sign-up and confirmation) gets a new code through ResendConfirmationCode first.
 */
export async function signUpAndIn(opts: {
  cognitoUrl: string;
  clientId: string;
  outboxDir: string;
  email: string;
  password: string;
  handle: string;
}): Promise<LocalSession> {
  const attrs = [
    { Name: 'email', Value: opts.email },
    { Name: 'preferred_username', Value: opts.handle },
  ];
  const confirm = async (seen: number) => {
    const code = await nextCode(opts.outboxDir, opts.email, seen);
    await cognito(opts.cognitoUrl, 'ConfirmSignUp', {
      ClientId: opts.clientId,
      Username: opts.email,
      ConfirmationCode: code,
    });
  };
  const seen = existsSync(opts.outboxDir) ? confirmationCodesFor(opts.outboxDir, opts.email).length : 0;
  try {
    await cognito(opts.cognitoUrl, 'SignUp', {
      ClientId: opts.clientId,
      Username: opts.email,
      Password: opts.password,
      UserAttributes: attrs,
    });
    await confirm(seen);
  } catch (error) {
    if (!(error instanceof CognitoApiError && error.type === 'UsernameExistsException')) throw error;
  }
  try {
    return await signIn(opts);
  } catch (error) {
    if (!(error instanceof CognitoApiError && error.type === 'UserNotConfirmedException')) throw error;
    const before = confirmationCodesFor(opts.outboxDir, opts.email).length;
    await cognito(opts.cognitoUrl, 'ResendConfirmationCode', { ClientId: opts.clientId, Username: opts.email });
    await confirm(before);
    return signIn(opts);
  }
}

export async function signIn(opts: {
  cognitoUrl: string;
  clientId: string;
  email: string;
  password: string;
}): Promise<LocalSession> {
  const auth = await cognito(opts.cognitoUrl, 'InitiateAuth', {
    ClientId: opts.clientId,
    AuthFlow: 'USER_PASSWORD_AUTH',
    AuthParameters: { USERNAME: opts.email, PASSWORD: opts.password },
  });
  const result = auth.AuthenticationResult as { AccessToken: string; IdToken: string };
  const sub = (
    JSON.parse(Buffer.from(result.AccessToken.split('.')[1] as string, 'base64url').toString('utf8')) as { sub: string }
  ).sub;
  return { accessToken: result.AccessToken, idToken: result.IdToken, sub };
}

/** A GraphQL answer with errors, or an HTTP failure: `types` are AppSync's error types (INTERNAL, Unauthorized, ...). */
export class GraphqlError extends Error {
  readonly types: string[];
  constructor(
    readonly errors: { message: string; errorType?: string }[],
    readonly status: number,
  ) {
    super(errors.map((e) => `${e.errorType ?? 'Error'}: ${e.message}`).join('; '));
    this.name = 'GraphqlError';
    this.types = errors.map((e) => e.errorType ?? 'Error');
  }
}

export async function gql<T = Record<string, unknown>>(
  graphqlUrl: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<T> {
  const res = await fetch(graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  let body: { data?: T; errors?: { message: string; errorType?: string }[] };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new GraphqlError(
      [{ message: `HTTP ${res.status}: ${text.slice(0, 200)}`, errorType: `HTTP${res.status}` }],
      res.status,
    );
  }
  if (body.errors?.length) throw new GraphqlError(body.errors, res.status);
  return body.data as T;
}

/** The channel setup run ended FAILED; provisionMe starts a new run. */
export class ProvisioningFailedError extends Error {
  constructor(readonly reason: string) {
    super(`provisioning failed: ${reason}`);
    this.name = 'ProvisioningFailedError';
  }
}

type SetupState = { status: string; error: string | null; streamer: { userId: string; handle: string } | null };

/**
 * Opens the Studio as the web app does: provisionMe, then myProvisioning read until the setup is
 * READY (answers the channel) or FAILED (throws). Pass the ID token, which carries the owned handle.
 */
export async function provisionChannel(
  graphqlUrl: string,
  token: string,
  handle?: string,
  timeoutMs = 30_000,
): Promise<{ userId: string; handle: string }> {
  const deadline = Date.now() + timeoutMs;
  const fields = 'status error streamer { userId handle }';
  let state = (
    await gql<{ provisionMe: SetupState }>(
      graphqlUrl,
      `mutation($h: String) { provisionMe(handle: $h) { ${fields} } }`,
      { h: handle },
      token,
    )
  ).provisionMe;
  for (;;) {
    if (state.status === 'READY' && state.streamer) return state.streamer;
    if (state.status === 'FAILED') throw new ProvisioningFailedError(state.error ?? 'no reason');
    if (Date.now() > deadline) throw new Error('provisioning did not finish in time');
    await new Promise((r) => setTimeout(r, 200));
    const read = await gql<{ myProvisioning: SetupState | null }>(
      graphqlUrl,
      `query { myProvisioning { ${fields} } }`,
      {},
      token,
    );
    if (read.myProvisioning) state = read.myProvisioning;
  }
}
