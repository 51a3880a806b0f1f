import { describe, expect, it } from 'vitest';
import { checkClaims, idTokenClaimsShim } from '../../../../local/auth/cognito';

describe('local Cognito ID-token claims shim', () => {
  it('adds the standard attributes from a pre-token-generation event (attributes under request, as Cognito sends them)', () => {
    const event = {
      version: '1',
      triggerSource: 'TokenGeneration_Authentication',
      userName: 'u-1',
      request: {
        userAttributes: { sub: 'u-1', email: 'ann@example.com', preferred_username: 'ann', email_verified: 'true' },
        groupConfiguration: {},
      },
      response: {},
    };
    expect(idTokenClaimsShim(event)).toMatchObject({
      response: {
        claimsOverrideDetails: { claimsToAddOrOverride: { preferred_username: 'ann', email_verified: 'true' } },
      },
    });
  });

  it('adds nothing it does not have', () => {
    expect(idTokenClaimsShim({ request: { userAttributes: { sub: 'u-2' } } })).toMatchObject({
      response: { claimsOverrideDetails: { claimsToAddOrOverride: {} } },
    });
  });

  it("keeps the platform function's handle claim and suppressions over the attributes", () => {
    const answered = {
      request: { userAttributes: { sub: 'u-1', preferred_username: 'spoofed' } },
      response: { claimsOverrideDetails: { claimsToAddOrOverride: { handle: 'ann' } } },
    };
    expect(idTokenClaimsShim(answered)).toMatchObject({
      response: { claimsOverrideDetails: { claimsToAddOrOverride: { handle: 'ann', preferred_username: 'spoofed' } } },
    });
    const none = {
      request: { userAttributes: { sub: 'u-2' } },
      response: { claimsOverrideDetails: { claimsToSuppress: ['handle'] } },
    };
    expect(idTokenClaimsShim(none)).toMatchObject({
      response: { claimsOverrideDetails: { claimsToSuppress: ['handle'] } },
    });
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
    expect(() => checkClaims({ ...base, token_use: 'access', client_id: 'other' }, expected)).toThrow(
      /another app client/,
    );
  });

  it('refuses another issuer and an expired token', () => {
    expect(() => checkClaims({ ...base, token_use: 'id', aud: 'client-1', iss: 'http://evil/pool' }, expected)).toThrow(
      /issuer/,
    );
    expect(() => checkClaims({ ...base, token_use: 'id', aud: 'client-1', exp: 1_699_999_999 }, expected)).toThrow(
      /expired/,
    );
  });
});
