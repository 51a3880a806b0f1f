/**
 * Local Cognito code delivery (local/auth/cognito.ts + cognito-local-hooks.mjs): every sign-up's
 * confirmation code is in the outbox within 1 s of SignUp answering, also 30 at once (cognito-local's
 * console stalled codes for 20 s to 8 min), each code confirms its user, and ResendConfirmationCode
 * works as in Cognito: a new code replaces the old one, a confirmed or unknown user is refused.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCognito, type LocalCognito } from '../../../../local/auth/cognito';

const PASSWORD = 'Local-Test-Pass-1!';
let dir: string;
let outbox: string;
let cognito: LocalCognito;
const printed: string[] = [];

async function call(target: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(cognito.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${target}`,
    },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

type Entry = { kind: string; source: string; email: string; code: string };
const entries = (): Entry[] =>
  readdirSync(outbox)
    .filter((f) => f.startsWith('cognito-'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(outbox, f), 'utf8')) as Entry);
const codesFor = (email: string) => entries().filter((e) => e.email === email);

async function waitFor<T>(read: () => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 5));
  }
}

const signUp = (email: string, handle: string) =>
  call('SignUp', {
    ClientId: cognito.userPoolClientId,
    Username: email,
    Password: PASSWORD,
    UserAttributes: [
      { Name: 'email', Value: email },
      { Name: 'preferred_username', Value: handle },
    ],
  });

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'code-delivery-'));
  outbox = join(dir, 'outbox');
  cognito = await startLocalCognito({
    dataDir: join(dir, 'cognito'),
    outboxDir: outbox,
    port: 0,
    log: (line) => printed.push(line),
  });
});

afterAll(async () => {
  await cognito?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('confirmation codes', () => {
  it('reach the outbox and the terminal within 1 s of each of 30 parallel sign-ups, and each confirms its user', async () => {
    const emails = Array.from({ length: 30 }, (_, i) => `parallel-${i}@example.com`);
    const delays = await Promise.all(
      emails.map(async (email, i) => {
        const sent = Date.now();
        const res = await signUp(email, `parallel_${i}`);
        expect(res.status).toBe(200);
        const answered = Date.now();
        const entry = await waitFor(() => codesFor(email)[0], 10_000);
        expect(entry, `code for ${email}`).toBeDefined();
        return { email, code: entry?.code ?? '', fromAnswer: Date.now() - answered, fromRequest: Date.now() - sent };
      }),
    );
    const sorted = delays.map((d) => d.fromAnswer).sort((a, b) => a - b);
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
    console.log(
      `code delivery after SignUp answered, 30 parallel sign-ups: min ${sorted[0]} ms, p50 ${pct(50)} ms, p90 ${pct(90)} ms, max ${sorted.at(-1)} ms;` +
        ` SignUp request to code on disk max ${Math.max(...delays.map((d) => d.fromRequest))} ms`,
    );
    expect(sorted.at(-1)).toBeLessThan(1000);
    for (const email of emails)
      expect(
        printed.some((l) => l.includes(email) && /\b\d{6}\b/.test(l)),
        `printed code for ${email}`,
      ).toBe(true);
    const confirmed = await Promise.all(
      delays.map((d) =>
        call('ConfirmSignUp', { ClientId: cognito.userPoolClientId, Username: d.email, ConfirmationCode: d.code }),
      ),
    );
    expect(confirmed.map((c) => c.status)).toEqual(delays.map(() => 200));
  });
});

describe('ResendConfirmationCode', () => {
  it('delivers a new code that replaces the previous one', async () => {
    const email = 'resend@example.com';
    expect((await signUp(email, 'resender')).status).toBe(200);
    const first = await waitFor(() => codesFor(email)[0], 1000);
    const resent = await call('ResendConfirmationCode', { ClientId: cognito.userPoolClientId, Username: email });
    expect(resent.status).toBe(200);
    expect(resent.body.CodeDeliveryDetails).toEqual({
      AttributeName: 'email',
      DeliveryMedium: 'EMAIL',
      Destination: email,
    });
    const second = await waitFor(() => codesFor(email)[1], 1000);
    expect(second).toMatchObject({ source: 'ResendCode', email });
    expect(first).toMatchObject({ source: 'SignUp' });
    if (first?.code !== second?.code) {
      const stale = await call('ConfirmSignUp', {
        ClientId: cognito.userPoolClientId,
        Username: email,
        ConfirmationCode: first?.code,
      });
      expect(stale.body.__type ?? stale.body.code).toBe('CodeMismatchException');
    }
    expect(
      (
        await call('ConfirmSignUp', {
          ClientId: cognito.userPoolClientId,
          Username: email,
          ConfirmationCode: second?.code,
        })
      ).status,
    ).toBe(200);
  });

  it('refuses a confirmed user and an unknown one as Cognito does', async () => {
    const confirmed = await call('ResendConfirmationCode', {
      ClientId: cognito.userPoolClientId,
      Username: 'resend@example.com',
    });
    expect(confirmed.status).toBe(400);
    expect(JSON.stringify(confirmed.body)).toContain('InvalidParameterException');
    const unknown = await call('ResendConfirmationCode', {
      ClientId: cognito.userPoolClientId,
      Username: 'nobody@example.com',
    });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('UserNotFoundException');
  });
});
