import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../../lambdas/coin-checkout/handler';
import { forgetStripeSecret } from '../../../../lambdas/shared/stripe';
import { startLocalStripe, type LocalStripe } from '../../../../local/stripe/server';

const ddb = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
const KEYS = { apiKey: 'sk_test_unitcheckout', webhookSecret: 'whsec_unit' };
const PACKS = [
  { id: 'coins-100', coins: 100, amount: 99, currency: 'USD', label: '100 coins' },
  { id: 'coins-550', coins: 550, amount: 499, currency: 'USD', label: '550 coins' },
];
const user = { sub: 'u1', username: 'u1', claims: { email: 'ann@example.com', handle: 'ann' } };
const call = (fieldName: string, identity: unknown, args: Record<string, unknown> = {}) =>
  handler({
    arguments: args,
    identity,
    source: null,
    info: { fieldName, parentTypeName: fieldName === 'coinShop' ? 'Query' : 'Mutation' },
  });

let stripe: LocalStripe;

beforeAll(async () => {
  // The Stripe API the function calls: the local stand-in, reached through STRIPE_API_URL as in the local mode.
  stripe = await startLocalStripe({ ...KEYS, webhookUrl: 'http://127.0.0.1:9/unused', port: 0 });
});
afterAll(async () => stripe.stop());

describe('coin-checkout', () => {
  beforeEach(() => {
    ddb.reset();
    secrets.reset();
    forgetStripeSecret();
    Object.assign(process.env, {
      TABLE_NAME: 'Main',
      STRIPE_SECRET_NAME: 'lvs-test/stripe',
      COIN_PACKS: JSON.stringify(PACKS),
      RESOURCE_TAG: 'lvs-test',
      WEB_URL: 'https://shop.example.com',
      STRIPE_API_URL: stripe.url,
    });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(KEYS) });
    ddb.on(PutCommand).resolves({});
  });

  it('coinShop lists the packs and says they can be bought', async () => {
    expect(await call('coinShop', user)).toEqual({ data: { available: true, reason: null, packs: PACKS } });
  });

  it('coinShop says, in a sentence, why purchases are unavailable when no Stripe secret is configured or readable', async () => {
    delete process.env.STRIPE_SECRET_NAME;
    expect(await call('coinShop', user)).toEqual({
      data: {
        available: false,
        reason: 'Coin purchases are not available yet: the platform has no payment provider configured.',
        packs: PACKS,
      },
    });

    process.env.STRIPE_SECRET_NAME = 'lvs-test/stripe';
    secrets.on(GetSecretValueCommand).resolves({ SecretString: '{"apiKey":"not a key"}' });
    const broken = (await call('coinShop', user)) as { data: { available: boolean; reason: string } };
    expect(broken.data).toMatchObject({
      available: false,
      reason: expect.stringMatching(/^Coin purchases are unavailable right now/),
    });
  });

  it('startCoinCheckout opens a Stripe Checkout Session for the pack and records it OPEN', async () => {
    const out = (await call('startCoinCheckout', user, { packId: 'coins-550' })) as {
      data: { sessionId: string; url: string };
    };

    expect(out.data.sessionId).toMatch(/^cs_test_/);
    expect(out.data.url).toBe(`${stripe.url}/checkout/${out.data.sessionId}`);
    const session = stripe.sessions.get(out.data.sessionId);
    expect(session).toMatchObject({
      mode: 'payment',
      amount_total: 499,
      currency: 'usd',
      client_reference_id: 'u1',
      customer_email: 'ann@example.com',
      metadata: { userId: 'u1', packId: 'coins-550', platform: 'lvs-test' },
      success_url: 'https://shop.example.com/wallet?checkout={CHECKOUT_SESSION_ID}',
      cancel_url: 'https://shop.example.com/wallet?checkout=cancelled',
    });
    expect(session?.local.paymentMetadata).toEqual({ userId: 'u1', packId: 'coins-550', platform: 'lvs-test' });
    expect(ddb).toReceiveCommandWith(PutCommand, {
      TableName: 'Main',
      ConditionExpression: 'attribute_not_exists(PK)',
      Item: expect.objectContaining({
        PK: `CHECKOUT#${out.data.sessionId}`,
        SK: 'CHECKOUT',
        status: 'OPEN',
        userId: 'u1',
        packId: 'coins-550',
        coins: 550,
        amount: 499,
        currency: 'USD',
        GSI1PK: 'USER#u1#COIN_PURCHASES',
        GSI1SK: expect.stringMatching(new RegExp(`#${out.data.sessionId}$`)),
      }),
    });
  });

  it('refuses an unknown pack (VALIDATION), a shop without Stripe (PAYMENTS_UNAVAILABLE) and guests (UNAUTHORIZED), opening nothing', async () => {
    const before = stripe.sessions.size;
    expect(await call('startCoinCheckout', user, { packId: 'coins-1' })).toMatchObject({
      error: { type: 'VALIDATION', message: 'That coin pack is not on sale; pick one from the shop.' },
    });
    expect(await call('startCoinCheckout', null, { packId: 'coins-100' })).toMatchObject({
      error: { type: 'UNAUTHORIZED' },
    });
    delete process.env.STRIPE_SECRET_NAME;
    expect(await call('startCoinCheckout', user, { packId: 'coins-100' })).toMatchObject({
      error: { type: 'PAYMENTS_UNAVAILABLE', message: expect.stringMatching(/not available yet/) },
    });
    expect(stripe.sessions.size).toBe(before);
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });

  it('says the provider did not answer when Stripe refuses the key', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ ...KEYS, apiKey: 'sk_test_wrong' }) });
    expect(await call('startCoinCheckout', user, { packId: 'coins-100' })).toMatchObject({
      error: {
        type: 'PAYMENTS_UNAVAILABLE',
        message: 'The payment provider did not open a checkout; please try again in a moment.',
      },
    });
    expect(ddb).not.toHaveReceivedCommand(PutCommand);
  });
});
