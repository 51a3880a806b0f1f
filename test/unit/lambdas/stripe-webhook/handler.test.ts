import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { ConditionalCheckFailedException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import Stripe from 'stripe';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../../lambdas/stripe-webhook/handler';
import { forgetStripeSecret } from '../../../../lambdas/shared/stripe';

const ddb = mockClient(DynamoDBDocumentClient);
const secrets = mockClient(SecretsManagerClient);
const WEBHOOK_SECRET = 'whsec_unit0123456789';
const KEYS = { apiKey: 'sk_test_unit', webhookSecret: WEBHOOK_SECRET };
const PACK = { id: 'coins-100', coins: 100, amount: 99, currency: 'USD', label: '100 coins' };
const CHECKOUT = { PK: 'CHECKOUT#cs_test_1', SK: 'CHECKOUT' };
const PAYMENT = { PK: 'PAYMENT#pi_1', SK: 'PAYMENT' };
const WALLET = { PK: 'USER#u1', SK: 'WALLET' };

const completed = (over: Record<string, unknown> = {}) => ({
  id: 'evt_1',
  object: 'event',
  type: 'checkout.session.completed',
  created: 1,
  livemode: false,
  api_version: Stripe.API_VERSION,
  data: {
    object: {
      id: 'cs_test_1',
      object: 'checkout.session',
      payment_status: 'paid',
      payment_intent: 'pi_1',
      client_reference_id: 'u1',
      amount_total: 99,
      currency: 'usd',
      metadata: { userId: 'u1', packId: 'coins-100', platform: 'lvs-test' },
      ...over,
    },
  },
});
/** A session Stripe closed unpaid: it expired, or (async_payment_failed) its bank debit failed. */
const unpaid = (
  type: 'checkout.session.expired' | 'checkout.session.async_payment_failed',
  over: Record<string, unknown> = {},
) => ({
  id: `evt_${type}`,
  object: 'event',
  type,
  created: 3,
  livemode: false,
  api_version: Stripe.API_VERSION,
  data: {
    object: {
      id: 'cs_test_1',
      object: 'checkout.session',
      status: type === 'checkout.session.expired' ? 'expired' : 'complete',
      payment_status: 'unpaid',
      payment_intent: null,
      client_reference_id: 'u1',
      amount_total: 99,
      currency: 'usd',
      metadata: { userId: 'u1', packId: 'coins-100', platform: 'lvs-test' },
      ...over,
    },
  },
});
const refunded = (amountRefunded: number) => ({
  id: 'evt_2',
  object: 'event',
  type: 'charge.refunded',
  created: 2,
  livemode: false,
  data: {
    object: {
      id: 'ch_1',
      object: 'charge',
      amount: 99,
      amount_refunded: amountRefunded,
      currency: 'usd',
      payment_intent: 'pi_1',
      metadata: { platform: 'lvs-test' },
    },
  },
});

/** A function URL request carrying `event`, signed as Stripe signs it (or as told). */
function delivery(
  event: unknown,
  sign: { secret?: string; timestamp?: number; header?: string | null } = {},
): LambdaFunctionURLEvent {
  const body = JSON.stringify(event, null, 2);
  const header =
    sign.header !== undefined
      ? sign.header
      : Stripe.webhooks.generateTestHeaderString({
          payload: body,
          secret: sign.secret ?? WEBHOOK_SECRET,
          ...(sign.timestamp ? { timestamp: sign.timestamp } : {}),
        });
  return {
    version: '2.0',
    rawPath: '/',
    rawQueryString: '',
    headers: { 'content-type': 'application/json', ...(header ? { 'stripe-signature': header } : {}) },
    requestContext: {
      http: { method: 'POST', path: '/', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'Stripe/1.0' },
    },
    isBase64Encoded: false,
    body,
  } as unknown as LambdaFunctionURLEvent;
}

const transactions = () => ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems ?? []);

describe('stripe-webhook', () => {
  beforeEach(() => {
    ddb.reset();
    secrets.reset();
    forgetStripeSecret();
    Object.assign(process.env, {
      TABLE_NAME: 'Main',
      STRIPE_SECRET_NAME: 'lvs-test/stripe',
      COIN_PACKS: JSON.stringify([PACK]),
      RESOURCE_TAG: 'lvs-test',
    });
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(KEYS) });
    ddb.on(GetCommand).resolves({});
    ddb.on(GetCommand, { Key: CHECKOUT }).resolves({
      Item: {
        ...CHECKOUT,
        userId: 'u1',
        packId: 'coins-100',
        coins: 100,
        amount: 99,
        currency: 'USD',
        status: 'OPEN',
        createdAt: '2026-12-02T10:00:00.000Z',
      },
    });
    ddb.on(TransactWriteCommand).resolves({});
  });

  it('a verified checkout.session.completed credits the pack in one transaction: OPEN → PAID, wallet, PURCHASE ledger entry, payment record', async () => {
    const res = await handler(delivery(completed()));

    expect(res).toMatchObject({ statusCode: 200 });
    expect(JSON.parse(res.body as string)).toEqual({ received: true, outcome: 'APPLIED' });
    const [items] = transactions();
    expect(items).toHaveLength(4);
    expect(items?.[0]?.Put).toMatchObject({
      Item: {
        ...CHECKOUT,
        status: 'PAID',
        coinsCredited: 100,
        paymentIntentId: 'pi_1',
        GSI1PK: 'USER#u1#COIN_PURCHASES',
      },
      ConditionExpression: 'attribute_not_exists(PK) OR #status IN (:open, :processing, :expired, :failed)',
      ExpressionAttributeValues: {
        ':open': 'OPEN',
        ':processing': 'PROCESSING',
        ':expired': 'EXPIRED',
        ':failed': 'FAILED',
      },
    });
    expect(items?.[1]?.Update).toMatchObject({
      Key: WALLET,
      UpdateExpression: 'SET debt = :debtAfter, updatedAt = :at ADD coins :delta, version :one',
      ConditionExpression: '(attribute_not_exists(debt) OR debt = :debtBefore)',
      ExpressionAttributeValues: expect.objectContaining({ ':delta': 100, ':debtAfter': 0 }),
    });
    expect(items?.[2]?.Put?.Item).toMatchObject({
      PK: 'USER#u1',
      SK: expect.stringMatching(/^LEDGER#/),
      kind: 'PURCHASE',
      coins: 100,
      amount: 99,
      currency: 'USD',
      sessionId: 'cs_test_1',
    });
    expect(items?.[3]?.Put).toMatchObject({
      Item: { ...PAYMENT, sessionId: 'cs_test_1', clawedCoins: 0, version: 1 },
      ConditionExpression: 'attribute_not_exists(PK)',
    });
  });

  it('a credit settles debt first: 100 coins onto 30 owed leave 70 coins and no debt', async () => {
    ddb.on(GetCommand, { Key: WALLET }).resolves({ Item: { ...WALLET, coins: 0, debt: 30, version: 4 } });

    await handler(delivery(completed()));

    expect(transactions()[0]?.[1]?.Update).toMatchObject({
      ConditionExpression: 'debt = :debtBefore',
      ExpressionAttributeValues: expect.objectContaining({ ':debtBefore': 30, ':debtAfter': 0, ':delta': 70 }),
    });
    expect(transactions()[0]?.[2]?.Put?.Item).toMatchObject({ kind: 'PURCHASE', coins: 100, debtSettled: 30 });
  });

  it('refuses a body signed with another secret: 400, nothing read or written', async () => {
    const res = await handler(delivery(completed(), { secret: 'whsec_someoneelse' }));

    expect(res.statusCode).toBe(400);
    expect(ddb).not.toHaveReceivedCommand(GetCommand);
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('refuses a stale timestamp (a replay older than the 5-minute tolerance) with the right secret: 400, no credit', async () => {
    const res = await handler(delivery(completed(), { timestamp: Math.floor(Date.now() / 1000) - 301 }));

    expect(res.statusCode).toBe(400);
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('refuses an altered body and a missing header: 400', async () => {
    const signed = delivery(completed());
    const altered = { ...signed, body: (signed.body as string).replace('"amount_total": 99', '"amount_total": 1') };
    expect((await handler(altered)).statusCode).toBe(400);
    expect((await handler(delivery(completed(), { header: null }))).statusCode).toBe(400);
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('reads the secret once for many deliveries (cached), and again when a signature fails after the secret was rolled', async () => {
    await handler(delivery(completed()));
    await handler(delivery(completed()));
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 1);

    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ ...KEYS, webhookSecret: 'whsec_rolled' }) });
    const res = await handler(delivery(completed(), { secret: 'whsec_rolled' }));

    expect(res.statusCode).toBe(200);
    expect(secrets).toHaveReceivedCommandTimes(GetSecretValueCommand, 2);
  });

  it('answers 503 (Stripe retries) when the secret cannot be read', async () => {
    secrets.on(GetSecretValueCommand).rejects(new ResourceNotFoundException({ message: 'not found', $metadata: {} }));

    const res = await handler(delivery(completed()));

    expect(res.statusCode).toBe(503);
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('a redelivery of a credited session writes nothing (DUPLICATE)', async () => {
    ddb.on(GetCommand, { Key: CHECKOUT }).resolves({ Item: { ...CHECKOUT, userId: 'u1', status: 'PAID' } });

    const res = await handler(delivery(completed()));

    expect(JSON.parse(res.body as string)).toEqual({ received: true, outcome: 'DUPLICATE' });
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  it('a concurrent delivery that lost the OPEN → PAID condition re-reads and credits nothing', async () => {
    ddb.on(TransactWriteCommand).rejects(
      new TransactionCanceledException({
        message: 'Transaction cancelled',
        $metadata: {},
        CancellationReasons: [{ Code: 'ConditionalCheckFailed' }],
      }),
    );
    ddb
      .on(GetCommand, { Key: CHECKOUT })
      .resolvesOnce({
        Item: {
          ...CHECKOUT,
          userId: 'u1',
          packId: 'coins-100',
          coins: 100,
          amount: 99,
          currency: 'USD',
          status: 'OPEN',
          createdAt: '2026-12-02T10:00:00.000Z',
        },
      })
      .resolves({ Item: { ...CHECKOUT, userId: 'u1', status: 'PAID' } });

    const res = await handler(delivery(completed()));

    expect(JSON.parse(res.body as string)).toEqual({ received: true, outcome: 'DUPLICATE' });
    expect(ddb).toHaveReceivedCommandTimes(TransactWriteCommand, 1);
  });

  it('a refund before its completion is only recorded; the completion then credits the net (nothing for a full refund)', async () => {
    const first = await handler(delivery(refunded(99)));
    expect(JSON.parse(first.body as string)).toEqual({ received: true, outcome: 'RECORDED' });
    expect(transactions()[0]).toEqual([
      expect.objectContaining({
        Put: expect.objectContaining({ Item: expect.objectContaining({ ...PAYMENT, refundedAmount: 99, version: 1 }) }),
      }),
    ]);

    ddb
      .on(GetCommand, { Key: PAYMENT })
      .resolves({ Item: { ...PAYMENT, amount: 99, refundedAmount: 99, disputedAmount: 0, version: 1 } });
    await handler(delivery(completed()));

    const items = transactions()[1] ?? [];
    expect(items[0]?.Put?.Item).toMatchObject({ status: 'REFUNDED', coinsCredited: 0, refundedAmount: 99 });
    expect(items[1]?.Update?.ExpressionAttributeValues).toMatchObject({ ':delta': 0 });
    expect(items.map((i) => i.Put?.Item?.kind).filter(Boolean)).toEqual(['PURCHASE', 'REFUND']);
    expect(items[3]?.Put?.Item).toMatchObject({ kind: 'REFUND', coins: -100 });
    expect(items[4]?.Put).toMatchObject({
      Item: { clawedCoins: 100, version: 2 },
      ConditionExpression: 'version = :version',
      ExpressionAttributeValues: { ':version': 1 },
    });
  });

  it('a refund after the credit takes back what the wallet holds and records the rest as debt', async () => {
    ddb.on(GetCommand, { Key: PAYMENT }).resolves({
      Item: {
        ...PAYMENT,
        sessionId: 'cs_test_1',
        userId: 'u1',
        coins: 100,
        amount: 99,
        currency: 'USD',
        clawedCoins: 0,
        refundedAmount: 0,
        version: 1,
      },
    });
    ddb.on(GetCommand, { Key: WALLET }).resolves({ Item: { ...WALLET, coins: 40, debt: 0, version: 7 } });

    const res = await handler(delivery(refunded(99)));

    expect(JSON.parse(res.body as string)).toEqual({ received: true, outcome: 'APPLIED' });
    const items = transactions()[0] ?? [];
    expect(items[1]?.Update).toMatchObject({
      Key: WALLET,
      ConditionExpression: '(attribute_not_exists(debt) OR debt = :debtBefore) AND coins >= :minCoins',
      ExpressionAttributeValues: expect.objectContaining({ ':delta': -40, ':debtAfter': 60, ':minCoins': 40 }),
    });
    expect(items[2]?.Put?.Item).toMatchObject({ kind: 'REFUND', coins: -100, debtAdded: 60 });
    expect(items[3]?.Update).toMatchObject({
      Key: CHECKOUT,
      ExpressionAttributeValues: expect.objectContaining({ ':status': 'REFUNDED' }),
    });
  });

  it("ignores other platforms' sessions and event types it does not handle (200, nothing written)", async () => {
    const other = await handler(
      delivery(completed({ metadata: { userId: 'u1', packId: 'coins-100', platform: 'lvs-prod' } })),
    );
    const unknown = await handler(delivery({ ...completed(), type: 'customer.created' }));

    expect(JSON.parse(other.body as string).outcome).toBe('IGNORED');
    expect(JSON.parse(unknown.body as string).outcome).toBe('IGNORED');
    expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
  });

  describe('checkouts that are never paid', () => {
    const closing = () => ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    beforeEach(() => {
      ddb.on(UpdateCommand).resolves({});
    });

    for (const [type, status, from] of [
      ['checkout.session.expired', 'EXPIRED', { ':from0': 'OPEN' }],
      ['checkout.session.async_payment_failed', 'FAILED', { ':from0': 'OPEN', ':from1': 'PROCESSING' }],
    ] as const) {
      it(`${type} closes the checkout ${status} from ${Object.values(from).join(' or ')} in one conditional write and credits nothing`, async () => {
        const res = await handler(delivery(unpaid(type)));

        expect(res.statusCode).toBe(200);
        expect(JSON.parse(res.body as string)).toEqual({ received: true, outcome: 'CLOSED' });
        expect(closing()).toEqual([
          expect.objectContaining({
            Key: CHECKOUT,
            UpdateExpression: 'SET #status = :status, closedAt = :at',
            ConditionExpression: `attribute_exists(PK) AND #status IN (${Object.keys(from).join(', ')})`,
            ExpressionAttributeValues: { ':status': status, ':at': expect.any(String), ...from },
          }),
        ]);
        expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
      });
    }

    it('a redelivery finds the checkout closed (DUPLICATE); a paid one is left PAID (IGNORED); so is a session never recorded', async () => {
      ddb
        .on(UpdateCommand)
        .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
      ddb
        .on(GetCommand, { Key: CHECKOUT })
        .resolvesOnce({ Item: { ...CHECKOUT, status: 'EXPIRED' } })
        .resolvesOnce({ Item: { ...CHECKOUT, status: 'PAID' } })
        .resolves({});

      const outcomes = [];
      for (let i = 0; i < 3; i++)
        outcomes.push(JSON.parse((await handler(delivery(unpaid('checkout.session.expired')))).body as string).outcome);

      expect(outcomes).toEqual(['DUPLICATE', 'IGNORED', 'IGNORED']);
      expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
    });

    it("another platform's expired session is not touched", async () => {
      const res = await handler(
        delivery(
          unpaid('checkout.session.expired', { metadata: { userId: 'u1', packId: 'coins-100', platform: 'lvs-prod' } }),
        ),
      );

      expect(JSON.parse(res.body as string).outcome).toBe('IGNORED');
      expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    });

    it('a signed expiry with a stale timestamp is refused (400) and closes nothing', async () => {
      const res = await handler(
        delivery(unpaid('checkout.session.expired'), { timestamp: Math.floor(Date.now() / 1000) - 301 }),
      );

      expect(res.statusCode).toBe(400);
      expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    });

    it('a payment Stripe reports made after the checkout was closed is still credited (never left uncredited)', async () => {
      ddb.on(GetCommand, { Key: CHECKOUT }).resolves({
        Item: {
          ...CHECKOUT,
          userId: 'u1',
          packId: 'coins-100',
          coins: 100,
          amount: 99,
          currency: 'USD',
          status: 'FAILED',
          createdAt: '2026-12-02T10:00:00.000Z',
        },
      });

      const res = await handler(delivery({ ...completed(), type: 'checkout.session.async_payment_succeeded' }));

      expect(JSON.parse(res.body as string)).toEqual({ received: true, outcome: 'APPLIED' });
      expect(transactions()[0]?.[0]?.Put?.Item).toMatchObject({ status: 'PAID', coinsCredited: 100 });
    });
  });
  describe('bank debits (delayed payment methods)', () => {
    const updates = () => ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    const completedUnpaid = () =>
      completed({ status: 'complete', payment_status: 'unpaid', payment_intent: 'pi_bank' });
    beforeEach(() => {
      ddb.on(UpdateCommand).resolves({});
    });

    it('checkout.session.completed still unpaid marks the open checkout PROCESSING with its PaymentIntent, and credits nothing', async () => {
      const res = await handler(delivery(completedUnpaid()));

      expect(JSON.parse(res.body as string)).toEqual({ received: true, outcome: 'PROCESSING' });
      expect(updates()).toEqual([
        {
          TableName: 'Main',
          Key: CHECKOUT,
          UpdateExpression: 'SET #status = :status, processingAt = :at, paymentIntentId = :pi',
          ConditionExpression: 'attribute_exists(PK) AND #status IN (:from0)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':status': 'PROCESSING',
            ':at': expect.any(String),
            ':from0': 'OPEN',
            ':pi': 'pi_bank',
          },
        },
      ]);
      expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
    });

    it('the same completion again is a DUPLICATE; after the success or failure overtook it, IGNORED (the checkout stays PAID or FAILED)', async () => {
      ddb
        .on(UpdateCommand)
        .rejects(new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {} }));
      ddb
        .on(GetCommand, { Key: CHECKOUT })
        .resolvesOnce({ Item: { ...CHECKOUT, status: 'PROCESSING' } })
        .resolvesOnce({ Item: { ...CHECKOUT, status: 'PAID' } })
        .resolvesOnce({ Item: { ...CHECKOUT, status: 'FAILED' } });

      const outcomes = [];
      for (let i = 0; i < 3; i++)
        outcomes.push(JSON.parse((await handler(delivery(completedUnpaid()))).body as string));

      expect(outcomes).toEqual([
        { received: true, outcome: 'DUPLICATE' },
        { received: true, outcome: 'IGNORED' },
        { received: true, outcome: 'IGNORED' },
      ]);
      expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
    });

    it('checkout.session.async_payment_succeeded credits a PROCESSING checkout once: PROCESSING → PAID, the pack onto the wallet', async () => {
      ddb.on(GetCommand, { Key: CHECKOUT }).resolves({
        Item: {
          ...CHECKOUT,
          userId: 'u1',
          packId: 'coins-100',
          coins: 100,
          amount: 99,
          currency: 'USD',
          status: 'PROCESSING',
          createdAt: '2026-12-02T10:00:00.000Z',
        },
      });

      const res = await handler(
        delivery({ ...completed({ payment_intent: 'pi_bank' }), type: 'checkout.session.async_payment_succeeded' }),
      );

      expect(JSON.parse(res.body as string)).toEqual({ received: true, outcome: 'APPLIED' });
      const [items] = transactions();
      expect(items?.[0]?.Put?.Item).toMatchObject({ status: 'PAID', coinsCredited: 100, paymentIntentId: 'pi_bank' });
      expect(items?.[1]?.Update?.ExpressionAttributeValues).toMatchObject({ ':delta': 100 });
      expect(items?.[2]?.Put?.Item).toMatchObject({ kind: 'PURCHASE', coins: 100 });
      expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
    });

    it('an async_payment_succeeded that still says unpaid credits nothing and moves nothing', async () => {
      const odd = await handler(
        delivery({ ...completed({ payment_status: 'unpaid' }), type: 'checkout.session.async_payment_succeeded' }),
      );

      expect(JSON.parse(odd.body as string).outcome).toBe('IGNORED');
      expect(ddb).not.toHaveReceivedCommand(UpdateCommand);
      expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
    });

    it('a failure after the completion closes the PROCESSING checkout FAILED; no coins, no ledger entry', async () => {
      const res = await handler(
        delivery(unpaid('checkout.session.async_payment_failed', { payment_intent: 'pi_bank' })),
      );

      expect(JSON.parse(res.body as string)).toEqual({ received: true, outcome: 'CLOSED' });
      expect(updates()[0]).toMatchObject({
        ExpressionAttributeValues: { ':status': 'FAILED', ':from0': 'OPEN', ':from1': 'PROCESSING' },
      });
      expect(ddb).not.toHaveReceivedCommand(TransactWriteCommand);
    });
  });
});
