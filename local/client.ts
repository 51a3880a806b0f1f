/**
 * A small client for the running local mode, used by `--demo` and the tests: Cognito sign-up with
 * the confirmation code from the outbox, USER_PASSWORD_AUTH sign-in, and GraphQL calls with the
 * user's access token (the same wire protocols the web app's aws-amplify code uses).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LocalSession { accessToken: string; idToken: string; sub: string }

async function cognito(url: string, target: string, body: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': `AWSCognitoIdentityProviderService.${target}` }, body: JSON.stringify(body) });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${target}: ${String(json.__type ?? res.status)}: ${String(json.message ?? '')}`);
  return json;
}

/** Newest confirmation code written to the outbox for `email`. */
export function confirmationCodeFor(outboxDir: string, email: string): string | undefined {
  const files = readdirSync(outboxDir).filter((f) => f.startsWith('cognito-') && f.endsWith('.json')).sort().reverse();
  for (const f of files) {
    const entry = JSON.parse(readFileSync(join(outboxDir, f), 'utf8')) as { email: string; code: string };
    if (entry.email === email) return entry.code;
  }
  return undefined;
}

export async function signUpAndIn(opts: { cognitoUrl: string; clientId: string; outboxDir: string; email: string; password: string; handle: string }): Promise<LocalSession> {
  const attrs = [{ Name: 'email', Value: opts.email }, { Name: 'preferred_username', Value: opts.handle }];
  try {
    await cognito(opts.cognitoUrl, 'SignUp', { ClientId: opts.clientId, Username: opts.email, Password: opts.password, UserAttributes: attrs });
    let code: string | undefined;
    // cognito-local logs the code asynchronously; the line can lag its SignUp answer by seconds.
    for (let i = 0; i < 200 && !code; i++) {
      code = confirmationCodeFor(opts.outboxDir, opts.email);
      if (!code) await new Promise((r) => setTimeout(r, 100));
    }
    if (!code) throw new Error(`no confirmation code for ${opts.email} in ${opts.outboxDir}`);
    await cognito(opts.cognitoUrl, 'ConfirmSignUp', { ClientId: opts.clientId, Username: opts.email, ConfirmationCode: code });
  } catch (error) {
    if (!String((error as Error).message).includes('UsernameExists')) throw error;
  }
  return signIn(opts);
}

export async function signIn(opts: { cognitoUrl: string; clientId: string; email: string; password: string }): Promise<LocalSession> {
  const auth = await cognito(opts.cognitoUrl, 'InitiateAuth', { ClientId: opts.clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: opts.email, PASSWORD: opts.password } });
  const result = auth.AuthenticationResult as { AccessToken: string; IdToken: string };
  const sub = (JSON.parse(Buffer.from(result.AccessToken.split('.')[1] as string, 'base64url').toString('utf8')) as { sub: string }).sub;
  return { accessToken: result.AccessToken, idToken: result.IdToken, sub };
}

export async function gql<T = Record<string, unknown>>(graphqlUrl: string, query: string, variables: Record<string, unknown> = {}, token?: string): Promise<T> {
  const res = await fetch(graphqlUrl, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) }, body: JSON.stringify({ query, variables }) });
  const body = (await res.json()) as { data?: T; errors?: { message: string; errorType?: string }[] };
  if (body.errors?.length) throw new Error(body.errors.map((e) => `${e.errorType ?? 'Error'}: ${e.message}`).join('; '));
  return body.data as T;
}

type SetupState = { status: string; error: string | null; streamer: { userId: string; handle: string } | null };

/**
 * Opens the Studio as the web app does: provisionMe, then myProvisioning read until the setup is
 * READY (answers the channel) or FAILED (throws). Pass the ID token, which carries the owned handle.
 */
export async function provisionChannel(graphqlUrl: string, token: string, handle?: string, timeoutMs = 30_000): Promise<{ userId: string; handle: string }> {
  const deadline = Date.now() + timeoutMs;
  const fields = 'status error streamer { userId handle }';
  let state = (await gql<{ provisionMe: SetupState }>(graphqlUrl, `mutation($h: String) { provisionMe(handle: $h) { ${fields} } }`, { h: handle }, token)).provisionMe;
  for (;;) {
    if (state.status === 'READY' && state.streamer) return state.streamer;
    if (state.status === 'FAILED') throw new Error(`provisioning failed: ${state.error ?? 'no reason'}`);
    if (Date.now() > deadline) throw new Error('provisioning did not finish in time');
    await new Promise((r) => setTimeout(r, 200));
    const read = await gql<{ myProvisioning: SetupState | null }>(graphqlUrl, `query { myProvisioning { ${fields} } }`, {}, token);
    if (read.myProvisioning) state = read.myProvisioning;
  }
}
