import { describe, expect, it } from 'vitest';
import { idTokenClaimsShim } from '../../../../local/auth/cognito';

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
