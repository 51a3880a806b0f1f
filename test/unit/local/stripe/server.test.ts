/** The local Stripe stand-in: the API the platform calls, the checkout page's test cards, and events signed as Stripe signs them. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import Stripe from 'stripe';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkBankAccount } from '../../../../local/stripe/bank-accounts';
import { checkCard } from '../../../../local/stripe/cards';
import {
  parseStripeForm,
  startLocalStripe,
  type LocalSession,
  type LocalStripe,
} from '../../../../local/stripe/server';
import { startLocalSecretsManager } from '../../../../local/secretsmanager/index';

const KEYS = { apiKey: 'sk_test_localunit', webhookSecret: 'whsec_localunit' };
let stripe: LocalStripe;
let receiver: Server;
let received: { body: string; signature: string }[] = [];
let answer = 200;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: String(req.headers['stripe-signature']),
      });
      res.writeHead(answer).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  stripe = await startLocalStripe({
    ...KEYS,
    webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`,
    retryDelaysMs: [50, 50],
  });
});
afterAll(async () => {
  await stripe.stop();
  await new Promise((r) => receiver.close(r));
});
beforeEach(() => {
  received = [];
  answer = 200;
});

const client = () => {
  const url = new URL(stripe.url);
  return new Stripe(KEYS.apiKey, { host: url.hostname, port: url.port, protocol: 'http', maxNetworkRetries: 0 });
};
const open = () =>
  client().checkout.sessions.create({
    mode: 'payment',
    client_reference_id: 'u1',
    metadata: { userId: 'u1', packId: 'coins-100' },
    payment_intent_data: { metadata: { userId: 'u1' } },
    line_items: [
      { quantity: 1, price_data: { currency: 'usd', unit_amount: 99, product_data: { name: '100 coins' } } },
    ],
    success_url: 'http://web.test/wallet?checkout={CHECKOUT_SESSION_ID}',
    cancel_url: 'http://web.test/wallet?checkout=cancelled',
  });
const pay = (id: string, cardNumber: string) =>
  fetch(`${stripe.url}/checkout/${id}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ cardNumber, expiry: '12 / 34', cvc: '123', name: 'Ann' }).toString(),
  });
/** Pays with a test US bank account (ACH Direct Debit) on the checkout page. */
const payByBank = (id: string, accountNumber: string, base = stripe.url) =>
  fetch(`${base}/checkout/${id}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      method: 'us_bank_account',
      accountHolder: 'Ann Buyer',
      routingNumber: '110000000',
      accountNumber,
    }).toString(),
  });
/** Verifies a received delivery exactly as the webhook handler does. */
const verified = (d: { body: string; signature: string }) =>
  Stripe.webhooks.constructEvent(d.body, d.signature, KEYS.webhookSecret, 300);

describe('local Stripe', () => {
  it('answers checkout.sessions.create from the stripe package with a session and a local checkout page URL', async () => {
    const session = await open();
    expect(session).toMatchObject({
      object: 'checkout.session',
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      amount_total: 99,
      currency: 'usd',
      url: `${stripe.url}/checkout/${session.id}`,
    });
    expect((await client().checkout.sessions.retrieve(session.id)).id).toBe(session.id);
    const page = await fetch(session.url as string);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('4242 4242 4242 4242');
  });

  it('refuses a wrong API key as Stripe does', async () => {
    const url = new URL(stripe.url);
    const wrong = new Stripe('sk_test_wrong', {
      host: url.hostname,
      port: url.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    });
    await expect(wrong.checkout.sessions.retrieve('cs_x')).rejects.toMatchObject({ type: 'StripeAuthenticationError' });
  });

  it('4242 4242 4242 4242 pays: checkout.session.completed is delivered signed with the endpoint secret, then the buyer goes to success_url', async () => {
    const session = await open();
    const res = await pay(session.id, '4242 4242 4242 4242');

    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`http://web.test/wallet?checkout=${session.id}`);
    expect(received).toHaveLength(1);
    const event = verified(received[0] as { body: string; signature: string });
    expect(event.type).toBe('checkout.session.completed');
    expect(event.data.object).toMatchObject({
      id: session.id,
      payment_status: 'paid',
      status: 'complete',
      payment_intent: expect.stringMatching(/^pi_test_/),
      metadata: { userId: 'u1', packId: 'coins-100' },
    });
    expect(() =>
      Stripe.webhooks.constructEvent(received[0]?.body as string, received[0]?.signature as string, 'whsec_other', 300),
    ).toThrow();
  });

  it("4000 0000 0000 0002 is declined with Stripe's sentence and nothing is sent", async () => {
    const session = await open();
    const res = await pay(session.id, '4000 0000 0000 0002');

    expect(res.status).toBe(402);
    expect(await res.text()).toContain('Your card was declined.');
    expect(received).toEqual([]);
    expect(stripe.sessions.get(session.id)?.payment_status).toBe('unpaid');
  });

  it("a refund sends charge.refunded (cumulative amount, the PaymentIntent's metadata), signed the same way", async () => {
    const session = await open();
    await pay(session.id, '4242424242424242');
    const res = await fetch(`${stripe.url}/sessions/${session.id}/refund`, {
      method: 'POST',
      headers: { accept: 'application/json' },
    });

    expect(res.status).toBe(200);
    const event = verified(received[1] as { body: string; signature: string });
    expect(event.type).toBe('charge.refunded');
    expect(event.data.object).toMatchObject({
      object: 'charge',
      amount: 99,
      amount_refunded: 99,
      refunded: true,
      payment_intent: stripe.sessions.get(session.id)?.payment_intent,
      metadata: { userId: 'u1' },
    });
    const again = await fetch(`${stripe.url}/sessions/${session.id}/refund`, {
      method: 'POST',
      headers: { accept: 'application/json' },
    });
    expect(again.status).toBe(400);
    expect(((await again.json()) as { error: { message: string } }).error.message).toMatch(/already been refunded/);
  });

  it('retries a delivery the webhook did not accept, as Stripe does', async () => {
    const session = await open();
    answer = 500;
    await pay(session.id, '4242424242424242');
    answer = 200;
    await new Promise((r) => setTimeout(r, 150));
    await stripe.settled();

    expect(received.length).toBeGreaterThanOrEqual(2);
    expect(verified(received.at(-1) as { body: string; signature: string }).id).toBe(
      verified(received[0] as { body: string; signature: string }).id,
    );
    expect(
      stripe.deliveries
        .filter((d) => d.type === 'checkout.session.completed')
        .map((d) => d.status)
        .slice(-2),
    ).toEqual([500, 200]);
  });

  it("expires an open session (the stripe package's sessions.expire): checkout.session.expired, signed; its page says so and takes no card", async () => {
    const session = await open();
    const expired = await client().checkout.sessions.expire(session.id);

    expect(expired).toMatchObject({ id: session.id, status: 'expired', payment_status: 'unpaid', url: null });
    const event = verified(received[0] as { body: string; signature: string });
    expect(event.type).toBe('checkout.session.expired');
    expect(event.data.object).toMatchObject({
      id: session.id,
      status: 'expired',
      metadata: { userId: 'u1', packId: 'coins-100' },
    });
    const page = await fetch(`${stripe.url}/checkout/${session.id}`);
    expect(page.status).toBe(410);
    expect(await page.text()).toContain('This checkout session has expired.');
    expect((await pay(session.id, '4242424242424242')).status).toBe(402);
    await expect(client().checkout.sessions.expire(session.id)).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
    });
    const paid = await open();
    await pay(paid.id, '4242424242424242');
    await expect(client().checkout.sessions.expire(paid.id)).rejects.toMatchObject({
      message: expect.stringMatching(/status of open/),
    });
    expect(received.map((d) => verified(d).type)).toEqual(['checkout.session.expired', 'checkout.session.completed']);
  });

  it("takes expires_at within Stripe's bounds (30 minutes to 24 hours) and expires a kept session whose time has passed when it starts", async () => {
    const now = Math.floor(Date.now() / 1000);
    const soon = await client().checkout.sessions.create({
      mode: 'payment',
      line_items: [
        { quantity: 1, price_data: { currency: 'usd', unit_amount: 99, product_data: { name: '100 coins' } } },
      ],
      success_url: 'http://web.test/wallet',
      expires_at: now + 1800,
    });
    expect(soon.expires_at).toBe(now + 1800);
    await expect(
      client().checkout.sessions.create({
        mode: 'payment',
        line_items: [
          { quantity: 1, price_data: { currency: 'usd', unit_amount: 99, product_data: { name: '100 coins' } } },
        ],
        success_url: 'http://web.test/wallet',
        expires_at: now + 60,
      }),
    ).rejects.toMatchObject({ param: 'expires_at' });

    const dir = mkdtempSync(join(tmpdir(), 'local-stripe-'));
    try {
      const kept = { ...(stripe.sessions.get(soon.id) as LocalSession), expires_at: now - 5 };
      writeFileSync(join(dir, 'sessions.json'), JSON.stringify([kept]));
      const restarted = await startLocalStripe({
        ...KEYS,
        webhookUrl: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`,
        dataDir: dir,
        retryDelaysMs: [],
      });
      try {
        await expect.poll(() => restarted.sessions.get(soon.id)?.status).toBe('expired');
        await expect
          .poll(() =>
            received
              .map((d) => verified(d))
              .filter((e) => e.type === 'checkout.session.expired')
              .map((e) => (e.data.object as { id: string }).id),
          )
          .toEqual([soon.id]);
      } finally {
        await restarted.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a test bank account pays later: checkout.session.completed unpaid at once, then async_payment_succeeded when the debit settles (once)', async () => {
    const session = await open();
    const page = await (await fetch(session.url as string)).text();
    expect(page).toContain('Or pay by US bank account');
    const res = await payByBank(session.id, '000123456789');

    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`http://web.test/wallet?checkout=${session.id}`);
    const completed = verified(received[0] as { body: string; signature: string });
    expect(completed.type).toBe('checkout.session.completed');
    expect(completed.data.object).toMatchObject({
      id: session.id,
      status: 'complete',
      payment_status: 'unpaid',
      payment_intent: expect.stringMatching(/^pi_test_/),
    });
    // Not paid yet: nothing to refund.
    expect(
      (
        await fetch(`${stripe.url}/sessions/${session.id}/refund`, {
          method: 'POST',
          headers: { accept: 'application/json' },
        })
      ).status,
    ).toBe(400);

    await stripe.settle(session.id);
    const settled = verified(received[1] as { body: string; signature: string });
    expect(settled.type).toBe('checkout.session.async_payment_succeeded');
    expect(settled.data.object).toMatchObject({
      id: session.id,
      payment_status: 'paid',
      payment_intent: (completed.data.object as { payment_intent: string }).payment_intent,
    });
    await expect(stripe.settle(session.id)).rejects.toThrow(/no bank debit waiting/);
    expect(received).toHaveLength(2);
    // Paid now: refundable like a card payment.
    await stripe.refund(session.id, 10);
    expect(verified(received[2] as { body: string; signature: string }).data.object).toMatchObject({
      amount_refunded: 10,
    });
  });

  it('a failing test account (insufficient funds) settles as checkout.session.async_payment_failed, still unpaid', async () => {
    const session = await open();
    expect((await payByBank(session.id, '000222222227')).status).toBe(303);
    await fetch(`${stripe.url}/sessions/${session.id}/settle`, {
      method: 'POST',
      headers: { accept: 'application/json' },
    });

    expect(received.map((d) => verified(d).type)).toEqual([
      'checkout.session.completed',
      'checkout.session.async_payment_failed',
    ]);
    expect(verified(received[1] as { body: string; signature: string }).data.object).toMatchObject({
      id: session.id,
      status: 'complete',
      payment_status: 'unpaid',
    });
    const dashboard = await (await fetch(`${stripe.url}/`)).text();
    expect(dashboard).toContain('failed (insufficient_funds)');
  });

  it('a bank account that is not a test one, or a wrong routing number, is refused with a sentence and nothing is sent', async () => {
    const session = await open();
    const res = await payByBank(session.id, '123456789012');

    expect(res.status).toBe(402);
    expect(await res.text()).toContain('non test bank account');
    expect(received).toEqual([]);
    expect(stripe.sessions.get(session.id)).toMatchObject({ status: 'open', payment_status: 'unpaid' });
    expect(checkBankAccount('11000000', '000123456789', 'Ann')).toMatchObject({
      ok: false,
      message: 'Your routing number must be 9 digits.',
    });
    expect(checkBankAccount('110000000', '000123456789', ' ')).toMatchObject({ ok: false, code: 'missing_name' });
    expect(checkBankAccount('110000000', '0001 2345 6789', 'Ann')).toEqual({
      ok: true,
      last4: '6789',
      outcome: { succeeds: true },
    });
  });

  it('a bank debit settles by itself after bankDebitSettleMs, and one still pending when the stand-in stopped settles when it starts again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'local-stripe-bank-'));
    const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/`;
    try {
      const quick = await startLocalStripe({ ...KEYS, webhookUrl, retryDelaysMs: [], bankDebitSettleMs: 100 });
      try {
        const url = new URL(quick.url);
        const c = new Stripe(KEYS.apiKey, {
          host: url.hostname,
          port: url.port,
          protocol: 'http',
          maxNetworkRetries: 0,
        });
        const session = await c.checkout.sessions.create({
          mode: 'payment',
          line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: 99, product_data: { name: 'x' } } }],
          success_url: 'http://web.test/wallet',
        });
        await payByBank(session.id, '000123456789', quick.url);
        await expect
          .poll(() => received.map((d) => verified(d).type))
          .toEqual(['checkout.session.completed', 'checkout.session.async_payment_succeeded']);
      } finally {
        await quick.stop();
      }

      received = [];
      const first = await startLocalStripe({
        ...KEYS,
        webhookUrl,
        dataDir: dir,
        retryDelaysMs: [],
        bankDebitSettleMs: 3_600_000,
      });
      let id = '';
      try {
        const url = new URL(first.url);
        const c = new Stripe(KEYS.apiKey, {
          host: url.hostname,
          port: url.port,
          protocol: 'http',
          maxNetworkRetries: 0,
        });
        id = (
          await c.checkout.sessions.create({
            mode: 'payment',
            line_items: [
              { quantity: 1, price_data: { currency: 'usd', unit_amount: 99, product_data: { name: 'x' } } },
            ],
            success_url: 'http://web.test/wallet',
          })
        ).id;
        await payByBank(id, '000111111113', first.url);
      } finally {
        await first.stop();
      }
      // The debit was due while the stand-in was down.
      const kept = JSON.parse(readFileSync(join(dir, 'sessions.json'), 'utf8')) as LocalSession[];
      writeFileSync(
        join(dir, 'sessions.json'),
        JSON.stringify(
          kept.map((s) => ({
            ...s,
            local: { ...s.local, bankDebit: { ...s.local.bankDebit, settlesAt: Date.now() - 1 } },
          })),
        ),
      );
      const again = await startLocalStripe({ ...KEYS, webhookUrl, dataDir: dir, retryDelaysMs: [] });
      try {
        await expect
          .poll(() => received.map((d) => verified(d).type))
          .toEqual(['checkout.session.completed', 'checkout.session.async_payment_failed']);
        expect(again.sessions.get(id)?.local.bankDebit?.settled).toBe(true);
      } finally {
        await again.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("reads Stripe's form encoding back into nested objects", () => {
    expect(parseStripeForm('line_items[0][price_data][unit_amount]=99&metadata[userId]=u1&mode=payment')).toEqual({
      line_items: [{ price_data: { unit_amount: '99' } }],
      metadata: { userId: 'u1' },
      mode: 'payment',
    });
  });

  it("test cards: Stripe's sentences for a wrong number, a past expiry, a missing CVC and insufficient funds", () => {
    const now = new Date('2026-12-02T00:00:00Z');
    expect(checkCard('4242 4242 4242 4241', '12/34', '123', now)).toMatchObject({
      ok: false,
      message: 'Your card number is incorrect.',
    });
    expect(checkCard('4242 4242 4242 4242', '11/26', '123', now)).toMatchObject({
      ok: false,
      message: "Your card's expiration year is in the past.",
    });
    expect(checkCard('4242 4242 4242 4242', '12/26', '', now)).toMatchObject({
      ok: false,
      message: "Your card's security code is incomplete.",
    });
    expect(checkCard('4000 0000 0000 9995', '12/26', '123', now)).toMatchObject({
      ok: false,
      message: 'Your card has insufficient funds.',
    });
    expect(checkCard('4242 4242 4242 4242', '12/26', '123', now)).toEqual({ ok: true, brand: 'visa', last4: '4242' });
  });
});

describe('local Secrets Manager', () => {
  it('serves GetSecretValue to the unchanged SDK client, and ResourceNotFoundException for an unknown name', async () => {
    const sm = await startLocalSecretsManager({ secrets: { 'lvs-dev/stripe': '{"a":1}' } });
    try {
      const client = new SecretsManagerClient({
        endpoint: sm.url,
        region: 'us-east-1',
        credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
      });
      const out = await client.send(new GetSecretValueCommand({ SecretId: 'lvs-dev/stripe' }));
      expect(out).toMatchObject({
        SecretString: '{"a":1}',
        Name: 'lvs-dev/stripe',
        ARN: expect.stringMatching(
          /^arn:aws:secretsmanager:us-east-1:000000000000:secret:lvs-dev\/stripe-[A-Za-z0-9]{6}$/,
        ),
      });
      expect(sm.arnOf('lvs-dev/stripe')).toBe(out.ARN);
      await expect(client.send(new GetSecretValueCommand({ SecretId: 'nope' }))).rejects.toMatchObject({
        name: 'ResourceNotFoundException',
      });
      client.destroy();
    } finally {
      await sm.stop();
    }
  });
});
