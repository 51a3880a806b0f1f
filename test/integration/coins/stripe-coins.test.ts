/**
 * Coins bought through Stripe Checkout, end to end on one machine: startCoinCheckout through the
 * local APPSYNC_JS engine and the coin-checkout Lambda, the local Stripe's checkout page, events
 * signed as Stripe signs them delivered over HTTP to the stripe-webhook function URL, DynamoDB
 * Local, the Stripe secret in the local Secrets Manager, and wt/econ's sendGift for spending.
 * (The functions' grants are checked by test/unit/infra/function-permissions.test.ts: the
 * IAM-enforcing proxy would add a stack synth that outlasts the hook on a loaded runner.) Every test
 * ends with the economy's conservation checker and this file's own: the coins sold less the coins
 * taken back are in the wallets (less debt), the earnings and the platform's revenue.
 */
import { randomUUID } from 'node:crypto';
import { QueryCommand, ScanCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../../local/appsync/engine';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/dynamodb/server';
import { runAs } from '../../../local/iam/caller';
import { startFunctionUrl, type LocalFunctionUrl } from '../../../local/lambda/function-url';
import { startLocalSecretsManager, type LocalSecretsManager } from '../../../local/secretsmanager/index';
import { localCoinsConfig } from '../../../local/stripe/index';
import { startLocalStripe, type LocalStripe } from '../../../local/stripe/server';
import { useDynamoDbLocal } from '../../support/dynamo';
import { economyEnvironment } from '../../../lambdas/shared/domain/economy';
import { assertConservation } from '../economy/conservation';
import { ECONOMY, SEND_GIFT } from '../economy/harness';
import { seedChannel } from '../economy/seed';

const db = useDynamoDbLocal();
const KEYS = {
  apiKey: `sk_test_int${randomUUID().replace(/-/g, '')}`,
  webhookSecret: `whsec_int${randomUUID().replace(/-/g, '')}`,
};
const config = localCoinsConfig();
const PACK = config.packs[0] as { id: string; coins: number; amount: number; currency: string };

type Handler = (event: unknown) => Promise<unknown>;
let engine: Engine;
let stripe: LocalStripe;
let secrets: LocalSecretsManager;
let webhook: LocalFunctionUrl;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
type Result = { data?: Record<string, Loose> | null; errors?: { message: string; errorType?: string | null }[] };
const cognito = (sub: string) => ({
  mode: 'AMAZON_COGNITO_USER_POOLS' as const,
  identity: {
    sub,
    username: sub,
    claims: { handle: sub },
    groups: null,
    issuer: 'local',
    sourceIp: ['127.0.0.1'],
    defaultAuthStrategy: 'ALLOW',
  },
});
const gql = (query: string, sub: string, variables: Record<string, unknown> = {}) =>
  engine.execute({ query, variables, auth: cognito(sub) as never }) as Promise<Result>;

beforeAll(async () => {
  secrets = await startLocalSecretsManager({ secrets: { [config.stripeSecretName]: JSON.stringify(KEYS) } });
  // The handlers build their clients on first import: the environment comes first, as in Lambda.
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: db.lambdaEndpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    TABLE_NAME: db.tableName,
    RESOURCE_TAG: 'local',
    WEB_URL: 'http://web.test',
    STRIPE_SECRET_NAME: config.stripeSecretName,
    COIN_PACKS: JSON.stringify(config.packs),
    POWERTOOLS_LOG_LEVEL: 'ERROR',
  });
  const handlers: Record<string, Handler> = {
    'coin-checkout': (await import('../../../lambdas/coin-checkout/handler')).handler as Handler,
    'stripe-webhook': (await import('../../../lambdas/stripe-webhook/handler')).handler as Handler,
  };
  const invoke = (name: string, event: unknown) => runAs(name, () => (handlers[name] as Handler)(event));
  webhook = await startFunctionUrl(invoke, 'stripe-webhook');
  stripe = await startLocalStripe({ ...KEYS, webhookUrl: webhook.url, retryDelaysMs: [] });
  process.env.STRIPE_API_URL = stripe.url;
  engine = createEngine({
    dynamo: db.client,
    tables: { Main: db.tableName, Idempotency: db.idempotencyTableName },
    env: economyEnvironment(ECONOMY),
    invokeLambda: invoke,
  });
});

afterAll(async () => {
  await stripe?.stop();
  await webhook?.stop();
  await secrets?.stop();
});

afterEach(async () => {
  await assertConservation(db.doc, db.tableName, ECONOMY.coinValueMinor);
  await expectCoinsConserved();
});

async function scanAll(): Promise<Loose[]> {
  const items: Loose[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.doc.send(
      new ScanCommand({ TableName: db.tableName, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Each wallet's coins - debt is its ledger's sum; all wallets hold the coins sold less those taken back. */
async function expectCoinsConserved(): Promise<void> {
  const items = await scanAll();
  const wallets = items.filter((i) => i.SK === 'WALLET');
  const ledger = items.filter((i) => String(i.SK).startsWith('LEDGER#'));
  for (const w of wallets) {
    expect(w.coins).toBeGreaterThanOrEqual(0);
    expect(w.debt).toBeGreaterThanOrEqual(0);
    const sum = ledger.filter((e) => e.PK === w.PK).reduce((s, e) => s + Number(e.coins), 0);
    expect({ wallet: w.PK, balance: w.coins - w.debt }).toEqual({ wallet: w.PK, balance: sum });
  }
  const sold = items
    .filter((i) => String(i.PK).startsWith('CHECKOUT#') && (i.status === 'PAID' || i.status === 'REFUNDED'))
    .reduce((s, i) => s + Number(i.coins), 0);
  const takenBack = items
    .filter((i) => String(i.PK).startsWith('PAYMENT#'))
    .reduce((s, i) => s + Number(i.clawedCoins ?? 0), 0);
  const sent = ledger
    .filter((e) => e.kind === 'GIFT_SENT' || e.kind === 'TIP_SENT')
    .reduce((s, e) => s - Number(e.coins), 0);
  expect(wallets.reduce((s, w) => s + w.coins - w.debt, 0) + sent).toBe(sold - takenBack);
}

const wallet = async (userId: string) => {
  const { Item } = await db.doc.send(
    new GetCommand({ TableName: db.tableName, Key: { PK: `USER#${userId}`, SK: 'WALLET' }, ConsistentRead: true }),
  );
  return { coins: Number(Item?.coins ?? 0), debt: Number(Item?.debt ?? 0) };
};
const ledgerOf = async (userId: string) =>
  (
    await db.doc.send(
      new QueryCommand({
        TableName: db.tableName,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :l)',
        ExpressionAttributeValues: { ':pk': `USER#${userId}`, ':l': 'LEDGER#' },
      }),
    )
  ).Items ?? [];

const START = 'mutation($p: ID!) { startCoinCheckout(packId: $p) { sessionId url } }';
const PURCHASES =
  'query { myCoinPurchases { items { sessionId packId coins amount currency status refundedAmount createdAt } nextToken } }';

async function openCheckout(userId: string, packId = PACK.id): Promise<{ sessionId: string; url: string }> {
  const r = await gql(START, userId, { p: packId });
  expect(r.errors).toBeUndefined();
  return r.data?.startCoinCheckout as { sessionId: string; url: string };
}

/** Pays on the local checkout page with a test card; answers the page's redirect. */
async function payWith(url: string, cardNumber: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ cardNumber, expiry: '12 / 34', cvc: '123' }).toString(),
  });
}

/** POSTs `event` to the webhook as Stripe would, signed with the endpoint secret (or `secret`, or at `timestamp`). */
async function deliver(
  event: Record<string, unknown>,
  opts: { secret?: string; timestamp?: number } = {},
): Promise<{ status: number; outcome?: string }> {
  const payload = JSON.stringify(event, null, 2);
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload,
    secret: opts.secret ?? KEYS.webhookSecret,
    ...(opts.timestamp ? { timestamp: opts.timestamp } : {}),
  });
  // Stripe delivers a 5xx answer again later; so does this helper, at once.
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(webhook.url, {
      method: 'POST',
      body: payload,
      headers: { 'content-type': 'application/json', 'stripe-signature': signature },
    });
    const body = (await res.json()) as { outcome?: string };
    if (res.status < 500 || attempt === 5) return { status: res.status, outcome: body.outcome };
  }
}

const completedEvent = (sessionId: string, userId: string, paymentIntent: string) => ({
  id: `evt_${randomUUID()}`,
  object: 'event',
  type: 'checkout.session.completed',
  created: Math.floor(Date.now() / 1000),
  livemode: false,
  data: {
    object: {
      id: sessionId,
      object: 'checkout.session',
      status: 'complete',
      payment_status: 'paid',
      payment_intent: paymentIntent,
      client_reference_id: userId,
      amount_total: PACK.amount,
      currency: PACK.currency.toLowerCase(),
      metadata: { userId, packId: PACK.id, platform: 'local' },
    },
  },
});
/** A session Stripe closed unpaid: expired, or its delayed payment failed. */
const unpaidEvent = (
  type: 'checkout.session.expired' | 'checkout.session.async_payment_failed',
  sessionId: string,
  userId: string,
) => ({
  id: `evt_${randomUUID()}`,
  object: 'event',
  type,
  created: Math.floor(Date.now() / 1000),
  livemode: false,
  data: {
    object: {
      id: sessionId,
      object: 'checkout.session',
      status: type === 'checkout.session.expired' ? 'expired' : 'complete',
      payment_status: 'unpaid',
      payment_intent: null,
      client_reference_id: userId,
      amount_total: PACK.amount,
      currency: PACK.currency.toLowerCase(),
      metadata: { userId, packId: PACK.id, platform: 'local' },
    },
  },
});
const refundedEvent = (paymentIntent: string, amountRefunded: number) => ({
  id: `evt_${randomUUID()}`,
  object: 'event',
  type: 'charge.refunded',
  created: Math.floor(Date.now() / 1000),
  livemode: false,
  data: {
    object: {
      id: `ch_${randomUUID()}`,
      object: 'charge',
      amount: PACK.amount,
      amount_refunded: amountRefunded,
      refunded: amountRefunded >= PACK.amount,
      currency: PACK.currency.toLowerCase(),
      payment_intent: paymentIntent,
      metadata: { platform: 'local' },
    },
  },
});

describe('buying coins through the local checkout', () => {
  it('a paid checkout credits the pack once and lists the purchase PAID; a declined card credits nothing', async () => {
    const user = `buyer-${randomUUID()}`;
    const shop = await gql('query { coinShop { available reason packs { id coins amount currency label } } }', user);
    expect(shop.data?.coinShop).toEqual({ available: true, reason: null, packs: config.packs });

    const declined = await openCheckout(user);
    const refusal = await payWith(declined.url, '4000 0000 0000 0002');
    expect(refusal.status).toBe(402);
    expect(await refusal.text()).toContain('Your card was declined.');

    const { sessionId, url } = await openCheckout(user);
    const paid = await payWith(url, '4242 4242 4242 4242');
    expect(paid.status).toBe(303);
    expect(paid.headers.get('location')).toBe(`http://web.test/wallet?checkout=${sessionId}`);

    expect(await wallet(user)).toEqual({ coins: PACK.coins, debt: 0 });
    const purchases = (await gql(PURCHASES, user)).data?.myCoinPurchases.items as Loose[];
    expect(purchases.map((p) => [p.sessionId, p.status])).toEqual([
      [sessionId, 'PAID'],
      [declined.sessionId, 'OPEN'],
    ]);
    expect((await ledgerOf(user)).map((e) => [e.kind, e.coins, e.amount])).toEqual([
      ['PURCHASE', PACK.coins, PACK.amount],
    ]);
  });

  it('the same completion delivered 5 times (4 of them at once) credits once', async () => {
    const user = `buyer-${randomUUID()}`;
    const { sessionId, url } = await openCheckout(user);
    await payWith(url, '4242424242424242');
    await Promise.all([1, 2, 3, 4].map(() => stripe.resend(sessionId)));

    const answers = stripe.deliveries
      .filter((d) => d.type === 'checkout.session.completed')
      .slice(-5)
      .map((d) => d.status);
    expect(answers).toEqual([200, 200, 200, 200, 200]);
    expect(await wallet(user)).toEqual({ coins: PACK.coins, debt: 0 });
    expect(await ledgerOf(user)).toHaveLength(1);
  });

  it('five concurrent deliveries of one signed event for an unpaid session credit exactly once', async () => {
    const user = `buyer-${randomUUID()}`;
    const { sessionId } = await openCheckout(user);
    const event = completedEvent(sessionId, user, `pi_${randomUUID()}`);

    const outcomes = await Promise.all([1, 2, 3, 4, 5].map(() => deliver(event)));

    expect(outcomes.every((o) => o.status === 200)).toBe(true);
    expect(outcomes.filter((o) => o.outcome === 'APPLIED')).toHaveLength(1);
    expect(await wallet(user)).toEqual({ coins: PACK.coins, debt: 0 });
  });

  it('a bad signature or a stale timestamp is refused with 400 and credits nothing', async () => {
    const user = `buyer-${randomUUID()}`;
    const { sessionId } = await openCheckout(user);
    const event = completedEvent(sessionId, user, `pi_${randomUUID()}`);

    expect((await deliver(event, { secret: 'whsec_forged' })).status).toBe(400);
    expect((await deliver(event, { timestamp: Math.floor(Date.now() / 1000) - 600 })).status).toBe(400);

    expect(await wallet(user)).toEqual({ coins: 0, debt: 0 });
    expect((await gql(PURCHASES, user)).data?.myCoinPurchases.items[0].status).toBe('OPEN');
  });
});

describe('refunds and disputes', () => {
  it('a full refund that arrives before its completion is recorded; the completion then credits nothing and the purchase is REFUNDED', async () => {
    const user = `buyer-${randomUUID()}`;
    const { sessionId } = await openCheckout(user);
    const pi = `pi_${randomUUID()}`;

    expect(await deliver(refundedEvent(pi, PACK.amount))).toEqual({ status: 200, outcome: 'RECORDED' });
    expect(await deliver(completedEvent(sessionId, user, pi))).toEqual({ status: 200, outcome: 'APPLIED' });
    expect(await deliver(refundedEvent(pi, PACK.amount))).toEqual({ status: 200, outcome: 'DUPLICATE' });

    expect(await wallet(user)).toEqual({ coins: 0, debt: 0 });
    expect((await gql(PURCHASES, user)).data?.myCoinPurchases.items[0]).toMatchObject({
      sessionId,
      status: 'REFUNDED',
      refundedAmount: PACK.amount,
    });
    expect((await ledgerOf(user)).map((e) => e.kind).sort()).toEqual(['PURCHASE', 'REFUND']);
  });

  it('a partial refund before the completion: the completion credits the net (coins for the money kept, rounded down)', async () => {
    const user = `buyer-${randomUUID()}`;
    const { sessionId } = await openCheckout(user);
    const pi = `pi_${randomUUID()}`;
    const part = Math.floor(PACK.amount / 2);

    await deliver(refundedEvent(pi, part));
    await deliver(completedEvent(sessionId, user, pi));

    expect(await wallet(user)).toEqual({ coins: PACK.coins - Math.ceil((PACK.coins * part) / PACK.amount), debt: 0 });
    // The rest of the refund later takes the rest.
    await deliver(refundedEvent(pi, PACK.amount));
    expect(await wallet(user)).toEqual({ coins: 0, debt: 0 });
  });

  it('a refund after gifts takes what is left and records the rest as debt; gifting is refused until the next purchase settles it', async () => {
    const user = `buyer-${randomUUID()}`;
    const channel = `chan-${randomUUID()}`;
    await seedChannel(db.doc, db.tableName, channel, `h${randomUUID().slice(0, 8)}`, `stream-${randomUUID()}`);
    const gift = () =>
      gql(SEND_GIFT, user, {
        i: { channelId: channel, giftId: 'heart', count: PACK.coins - 10, clientGiftId: randomUUID() },
      });
    const first = await openCheckout(user);
    await payWith(first.url, '4242424242424242');
    const spent = PACK.coins - 10;
    const sent = await gift();
    expect(sent.errors).toBeUndefined();
    expect(await wallet(user)).toEqual({ coins: 10, debt: 0 });

    await fetch(`${stripe.url}/sessions/${first.sessionId}/refund`, {
      method: 'POST',
      headers: { accept: 'application/json' },
    });
    expect(await wallet(user)).toEqual({ coins: 0, debt: spent });
    expect((await gql(PURCHASES, user)).data?.myCoinPurchases.items[0]).toMatchObject({ status: 'REFUNDED' });

    // A dispute of the same (refunded) charge takes nothing more.
    await fetch(`${stripe.url}/sessions/${first.sessionId}/dispute`, {
      method: 'POST',
      headers: { accept: 'application/json' },
    });
    expect(await wallet(user)).toEqual({ coins: 0, debt: spent });

    const refused = await gql(SEND_GIFT, user, {
      i: { channelId: channel, giftId: 'heart', count: 1, clientGiftId: randomUUID() },
    });
    expect(refused.errors?.[0]?.errorType).toBe('COINS_IN_DEBT');

    const second = await openCheckout(user);
    await payWith(second.url, '4242424242424242');
    expect(await wallet(user)).toEqual({ coins: PACK.coins - spent, debt: 0 });
    const after = await gql(SEND_GIFT, user, {
      i: { channelId: channel, giftId: 'heart', count: 1, clientGiftId: randomUUID() },
    });
    expect(after.errors).toBeUndefined();
    const purchase = (await ledgerOf(user)).filter((e) => e.kind === 'PURCHASE').at(-1);
    expect(purchase).toMatchObject({ coins: PACK.coins, debtSettled: spent });
  });

  it('refunds and completions of many purchases in random order, each delivered twice, end where the money did', async () => {
    const user = `buyer-${randomUUID()}`;
    const sessions = await Promise.all([1, 2, 3, 4, 5, 6].map(() => openCheckout(user)));
    const events = sessions.flatMap(({ sessionId }, i) => {
      const pi = `pi_${randomUUID()}`;
      const refund = i % 3 === 0 ? [refundedEvent(pi, PACK.amount)] : i % 3 === 1 ? [refundedEvent(pi, 10)] : [];
      return [completedEvent(sessionId, user, pi), ...refund];
    });
    const deliveries = [...events, ...events]
      .map((e) => ({ e, k: Math.random() }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.e);
    for (const batch of [deliveries.slice(0, 6), deliveries.slice(6)]) await Promise.all(batch.map((e) => deliver(e)));

    // Two fully refunded (0 coins), two refunded 10 cents (coins for the rest), two kept whole.
    const partial = PACK.coins - Math.ceil((PACK.coins * 10) / PACK.amount);
    expect(await wallet(user)).toEqual({ coins: 2 * partial + 2 * PACK.coins, debt: 0 });
  });
});

describe('checkouts that are never paid', () => {
  it("an expired session (the local Stripe's expire API) closes the purchase EXPIRED: nothing credited, its page says so and takes no card", async () => {
    const user = `buyer-${randomUUID()}`;
    const { sessionId, url } = await openCheckout(user);

    const expired = await fetch(`${stripe.url}/v1/checkout/sessions/${sessionId}/expire`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.apiKey}` },
    });
    expect(expired.status).toBe(200);
    expect(await expired.json()).toMatchObject({ id: sessionId, status: 'expired', url: null });
    expect(stripe.deliveries.filter((d) => d.type === 'checkout.session.expired').at(-1)?.status).toBe(200);

    expect((await gql(PURCHASES, user)).data?.myCoinPurchases.items).toEqual([
      expect.objectContaining({ sessionId, status: 'EXPIRED' }),
    ]);
    expect(await wallet(user)).toEqual({ coins: 0, debt: 0 });
    expect(await ledgerOf(user)).toEqual([]);
    const page = await fetch(url);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('This checkout session has expired.');
    const paid = await payWith(url, '4242424242424242');
    expect(paid.status).toBe(402);
    expect(await wallet(user)).toEqual({ coins: 0, debt: 0 });
    const again = await fetch(`${stripe.url}/v1/checkout/sessions/${sessionId}/expire`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEYS.apiKey}` },
    });
    expect(again.status).toBe(400);
  });

  it('signed expiry and async-payment-failure events: each closes its open checkout once (5 deliveries, 3 at once), never a paid one', async () => {
    const user = `buyer-${randomUUID()}`;
    const toExpire = await openCheckout(user);
    const toFail = await openCheckout(user);
    const bought = await openCheckout(user);
    await payWith(bought.url, '4242424242424242');

    const expiry = unpaidEvent('checkout.session.expired', toExpire.sessionId, user);
    const failure = unpaidEvent('checkout.session.async_payment_failed', toFail.sessionId, user);
    const first = await Promise.all([expiry, expiry, expiry, failure, failure, failure].map((e) => deliver(e)));
    const later = await Promise.all([expiry, expiry, failure, failure].map((e) => deliver(e)));

    expect(first.every((o) => o.status === 200)).toBe(true);
    expect([...first, ...later].filter((o) => o.outcome === 'CLOSED')).toHaveLength(2);
    expect(later.map((o) => o.outcome)).toEqual(['DUPLICATE', 'DUPLICATE', 'DUPLICATE', 'DUPLICATE']);
    // An expiry for the paid session (Stripe sends none; a forged or confused one) changes nothing.
    expect(await deliver(unpaidEvent('checkout.session.expired', bought.sessionId, user))).toEqual({
      status: 200,
      outcome: 'IGNORED',
    });
    // A bad signature closes nothing.
    const other = await openCheckout(user);
    expect(
      (await deliver(unpaidEvent('checkout.session.expired', other.sessionId, user), { secret: 'whsec_forged' }))
        .status,
    ).toBe(400);

    const statuses = Object.fromEntries(
      ((await gql(PURCHASES, user)).data?.myCoinPurchases.items as Loose[]).map((p) => [p.sessionId, p.status]),
    );
    expect(statuses).toEqual({
      [toExpire.sessionId]: 'EXPIRED',
      [toFail.sessionId]: 'FAILED',
      [bought.sessionId]: 'PAID',
      [other.sessionId]: 'OPEN',
    });
    expect(await wallet(user)).toEqual({ coins: PACK.coins, debt: 0 });
    expect((await ledgerOf(user)).map((e) => e.kind)).toEqual(['PURCHASE']);
  });
});

/** A session event of a bank debit: completed (still unpaid), then its payment succeeded or failed. */
const bankEvent = (
  type:
    'checkout.session.completed' | 'checkout.session.async_payment_succeeded' | 'checkout.session.async_payment_failed',
  sessionId: string,
  userId: string,
  paymentIntent: string,
) => {
  const event = completedEvent(sessionId, userId, paymentIntent);
  return {
    ...event,
    type,
    data: {
      object: {
        ...event.data.object,
        payment_status: type === 'checkout.session.async_payment_succeeded' ? 'paid' : 'unpaid',
      },
    },
  };
};

/** Pays on the local checkout page with a test US bank account (ACH Direct Debit). */
async function payByBank(url: string, accountNumber: string): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      method: 'us_bank_account',
      accountHolder: 'Bank Buyer',
      routingNumber: '110000000',
      accountNumber,
    }).toString(),
  });
}

describe('bank debits: paid now, confirmed by the bank later', () => {
  it('a test bank account on the local checkout page: PROCESSING with no coins, then the debit settles and credits the pack once', async () => {
    const user = `buyer-${randomUUID()}`;
    const { sessionId, url } = await openCheckout(user);

    const res = await payByBank(url, '000123456789');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`http://web.test/wallet?checkout=${sessionId}`);
    expect(stripe.deliveries.filter((d) => d.type === 'checkout.session.completed').at(-1)?.status).toBe(200);
    expect((await gql(PURCHASES, user)).data?.myCoinPurchases.items).toEqual([
      expect.objectContaining({ sessionId, status: 'PROCESSING', refundedAmount: 0 }),
    ]);
    expect(await wallet(user)).toEqual({ coins: 0, debt: 0 });
    expect(await ledgerOf(user)).toEqual([]);

    await stripe.settle(sessionId);
    expect(stripe.deliveries.filter((d) => d.type === 'checkout.session.async_payment_succeeded').at(-1)?.status).toBe(
      200,
    );
    expect((await gql(PURCHASES, user)).data?.myCoinPurchases.items[0]).toMatchObject({ sessionId, status: 'PAID' });
    expect(await wallet(user)).toEqual({ coins: PACK.coins, debt: 0 });
    // Stripe delivering the completion and the success again credits nothing more.
    await stripe.resend(sessionId);
    const success = bankEvent(
      'checkout.session.async_payment_succeeded',
      sessionId,
      user,
      stripe.sessions.get(sessionId)?.payment_intent as string,
    );
    expect(await deliver(success)).toEqual({ status: 200, outcome: 'DUPLICATE' });
    expect(await wallet(user)).toEqual({ coins: PACK.coins, debt: 0 });
    expect((await ledgerOf(user)).map((e) => [e.kind, e.coins])).toEqual([['PURCHASE', PACK.coins]]);
  });

  it('a failing test account (insufficient funds): PROCESSING, then FAILED; nothing credited, nothing to refund', async () => {
    const user = `buyer-${randomUUID()}`;
    const { sessionId, url } = await openCheckout(user);

    expect((await payByBank(url, '000222222227')).status).toBe(303);
    expect((await gql(PURCHASES, user)).data?.myCoinPurchases.items[0]).toMatchObject({ status: 'PROCESSING' });
    await stripe.settle(sessionId);

    expect((await gql(PURCHASES, user)).data?.myCoinPurchases.items[0]).toMatchObject({ sessionId, status: 'FAILED' });
    expect(await wallet(user)).toEqual({ coins: 0, debt: 0 });
    expect(await ledgerOf(user)).toEqual([]);
    const refund = await fetch(`${stripe.url}/sessions/${sessionId}/refund`, {
      method: 'POST',
      headers: { accept: 'application/json' },
    });
    expect(refund.status).toBe(400);
  });

  it('out of order: the success before the completion credits once and the late completion changes nothing; a failure before its completion stays FAILED', async () => {
    const user = `buyer-${randomUUID()}`;
    const paid = await openCheckout(user);
    const failed = await openCheckout(user);
    const pi = `pi_${randomUUID()}`;
    const piFailed = `pi_${randomUUID()}`;

    const success = bankEvent('checkout.session.async_payment_succeeded', paid.sessionId, user, pi);
    const first = await Promise.all([success, success, success].map((e) => deliver(e)));
    expect(first.map((o) => o.outcome).sort()).toEqual(['APPLIED', 'DUPLICATE', 'DUPLICATE']);
    expect(await deliver(bankEvent('checkout.session.completed', paid.sessionId, user, pi))).toEqual({
      status: 200,
      outcome: 'IGNORED',
    });
    expect(await deliver(success)).toEqual({ status: 200, outcome: 'DUPLICATE' });

    expect(await deliver(bankEvent('checkout.session.async_payment_failed', failed.sessionId, user, piFailed))).toEqual(
      { status: 200, outcome: 'CLOSED' },
    );
    expect(await deliver(bankEvent('checkout.session.completed', failed.sessionId, user, piFailed))).toEqual({
      status: 200,
      outcome: 'IGNORED',
    });

    const statuses = Object.fromEntries(
      ((await gql(PURCHASES, user)).data?.myCoinPurchases.items as Loose[]).map((p) => [p.sessionId, p.status]),
    );
    expect(statuses).toEqual({ [paid.sessionId]: 'PAID', [failed.sessionId]: 'FAILED' });
    expect(await wallet(user)).toEqual({ coins: PACK.coins, debt: 0 });
    expect((await ledgerOf(user)).map((e) => e.kind)).toEqual(['PURCHASE']);
  });

  it('the completion delivered 5 times (3 at once) marks PROCESSING once; a refund recorded before the success is netted out of the credit', async () => {
    const user = `buyer-${randomUUID()}`;
    const { sessionId } = await openCheckout(user);
    const pi = `pi_${randomUUID()}`;
    const completion = bankEvent('checkout.session.completed', sessionId, user, pi);

    const burst = await Promise.all([completion, completion, completion].map((e) => deliver(e)));
    const later = [await deliver(completion), await deliver(completion)];
    expect([...burst, ...later].filter((o) => o.outcome === 'PROCESSING')).toHaveLength(1);
    expect([...burst, ...later].every((o) => o.status === 200)).toBe(true);
    expect(await wallet(user)).toEqual({ coins: 0, debt: 0 });

    expect(await deliver(refundedEvent(pi, PACK.amount))).toEqual({ status: 200, outcome: 'RECORDED' });
    expect(await deliver(bankEvent('checkout.session.async_payment_succeeded', sessionId, user, pi))).toEqual({
      status: 200,
      outcome: 'APPLIED',
    });
    expect(await wallet(user)).toEqual({ coins: 0, debt: 0 });
    expect((await gql(PURCHASES, user)).data?.myCoinPurchases.items[0]).toMatchObject({
      status: 'REFUNDED',
      refundedAmount: PACK.amount,
    });
  });
});

describe('who may buy coins', () => {
  it('startCoinCheckout: a guest is refused; a viewer, a broadcaster and an admin each open a checkout that only they see', async () => {
    const guest = (await engine.execute({
      query: START,
      variables: { p: PACK.id },
      auth: { mode: 'AWS_IAM', identity: { username: 'guest' } } as never,
    })) as Result;
    expect(guest.errors?.[0]?.errorType).toBe('Unauthorized');
    const broadcaster = `chan-${randomUUID()}`;
    await seedChannel(db.doc, db.tableName, broadcaster, `h${randomUUID().slice(0, 8)}`, `stream-${randomUUID()}`);
    const buyers = [
      [`viewer-${randomUUID()}`, null],
      [broadcaster, null],
      [`admin-${randomUUID()}`, ['admins']],
    ] as const;
    const opened: string[] = [];
    for (const [sub, groups] of buyers) {
      const auth = cognito(sub);
      const r = (await engine.execute({
        query: START,
        variables: { p: PACK.id },
        auth: { ...auth, identity: { ...auth.identity, groups } } as never,
      })) as Result;
      expect(r.errors).toBeUndefined();
      opened.push(r.data?.startCoinCheckout.sessionId as string);
    }
    for (const [i, [sub]] of buyers.entries()) {
      expect(((await gql(PURCHASES, sub)).data?.myCoinPurchases.items as Loose[]).map((p) => p.sessionId)).toEqual([
        opened[i],
      ]);
    }
  });
});
