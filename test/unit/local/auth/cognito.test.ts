import { describe, expect, it } from 'vitest';
import { checkClaims, codeDeliveryReader, idTokenClaimsShim, type CodeDelivery } from '../../../../local/auth/cognito';

describe('local Cognito ID-token claims shim', () => {
  it('adds the standard attributes from a pre-token-generation event (attributes under request, as Cognito sends them)', () => {
    const event = {
      version: '1', triggerSource: 'TokenGeneration_Authentication', userName: 'u-1',
      request: { userAttributes: { sub: 'u-1', email: 'ann@example.com', preferred_username: 'ann', email_verified: 'true' }, groupConfiguration: {} },
      response: {},
    };
    expect(idTokenClaimsShim(event)).toMatchObject({
      response: { claimsOverrideDetails: { claimsToAddOrOverride: { preferred_username: 'ann', email_verified: 'true' } } },
    });
  });

  it('adds nothing it does not have', () => {
    expect(idTokenClaimsShim({ request: { userAttributes: { sub: 'u-2' } } })).toMatchObject({ response: { claimsOverrideDetails: { claimsToAddOrOverride: {} } } });
  });

  it('keeps the platform function\'s handle claim and suppressions over the attributes', () => {
    const answered = {
      request: { userAttributes: { sub: 'u-1', preferred_username: 'spoofed' } },
      response: { claimsOverrideDetails: { claimsToAddOrOverride: { handle: 'ann' } } },
    };
    expect(idTokenClaimsShim(answered)).toMatchObject({ response: { claimsOverrideDetails: { claimsToAddOrOverride: { handle: 'ann', preferred_username: 'spoofed' } } } });
    const none = { request: { userAttributes: { sub: 'u-2' } }, response: { claimsOverrideDetails: { claimsToSuppress: ['handle'] } } };
    expect(idTokenClaimsShim(none)).toMatchObject({ response: { claimsOverrideDetails: { claimsToSuppress: ['handle'] } } });
  });
});

describe('local Cognito token checks (what AppSync accepts as a signed-in identity)', () => {
  const expected = { issuer: 'http://127.0.0.1:9229/local_pool', clientId: 'client-1', nowMs: 1_700_000_000_000 };
  const base = { iss: expected.issuer, sub: 'u-1', exp: 1_700_000_600 };

  it('accepts an ID token issued to the app client', () => {
    expect(checkClaims({ ...base, token_use: 'id', aud: 'client-1' }, expected).sub).toBe('u-1');
  });

  it('accepts an access token issued to the app client', () => {
    expect(checkClaims({ ...base, token_use: 'access', client_id: 'client-1' }, expected).sub).toBe('u-1');
  });

  it('refuses a refresh token, or any token without token_use', () => {
    expect(() => checkClaims({ ...base, token_use: 'refresh' }, expected)).toThrow(/not an ID or access token/);
    expect(() => checkClaims({ ...base }, expected)).toThrow(/not an ID or access token/);
  });

  it('refuses tokens issued to another app client', () => {
    expect(() => checkClaims({ ...base, token_use: 'id', aud: 'other' }, expected)).toThrow(/another app client/);
    expect(() => checkClaims({ ...base, token_use: 'access', client_id: 'other' }, expected)).toThrow(/another app client/);
  });

  it('refuses another issuer and an expired token', () => {
    expect(() => checkClaims({ ...base, token_use: 'id', aud: 'client-1', iss: 'http://evil/pool' }, expected)).toThrow(/issuer/);
    expect(() => checkClaims({ ...base, token_use: 'id', aud: 'client-1', exp: 1_699_999_999 }, expected)).toThrow(/expired/);
  });
});

describe('local Cognito confirmation codes read from cognito-local\'s output', () => {
  const box = (email: string, code: string) =>
    `╭──────────────────────────────╮\n│   Confirmation Code Delivery │\n│   Username:    ${email}\n│   Destination: ${email}\n│   Code:        ${code}   │\n╰──────────────────────────────╯\n`;

  it('finds every code when a pipe read ends inside a box corner (a 3-byte character) or between boxes', () => {
    const bytes = Buffer.from(box('a@example.com', '111111') + '{"msg":"request"}\n' + box('b@example.com', '222222'), 'utf8');
    const corner = bytes.indexOf(Buffer.from('╯', 'utf8'));
    const found: CodeDelivery[] = [];
    const read = codeDeliveryReader((d) => found.push(d));
    // Split after the first byte of the first box's closing corner, and again mid-way through the second box.
    read(bytes.subarray(0, corner + 1));
    read(bytes.subarray(corner + 1, corner + 60));
    read(bytes.subarray(corner + 60));
    expect(found.map((d) => [d.destination, d.code])).toEqual([['a@example.com', '111111'], ['b@example.com', '222222']]);
  });
});
