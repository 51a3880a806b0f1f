/**
 * Model test (fast-check) of the whole economy against what production runs, on DynamoDB Local:
 * coins come in and go back only as Stripe's signed events into the stripe-webhook function URL.
 * Checkouts are opened by `startCoinCheckout` (the coin-checkout Lambda against the local Stripe)
 * and paid on the local Stripe's checkout page, by card or by a test US bank account whose debit
 * settles later (paid or failed); refunds and disputes are the local Stripe's own. Its events are
 * caught on their way to the webhook and delivered by the model: in a random order, some twice,
 * some several copies at once, each signed afresh as Stripe signs a retry. Between them, random
 * gifts, tips, retries, payout requests, admin decisions and tier changes go through the GraphQL
 * API. After each sequence every wallet, purchase and earnings balance equals a plain in-memory
 * model of the rules, and the conservation checker finds every coin accounted for.
 *
 * Bounded in CI (seeded; FC_RUNS_ECONOMY runs of up to ECONOMY_MODEL_OPS operations, 8 and 25);
 * a long run: `FC_RUNS_ECONOMY=200 ECONOMY_MODEL_OPS=60 npx vitest run --project integration test/integration/economy/model.test.ts`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coinsReversed, reversedAmount, type PurchaseStatus } from '../../../lambdas/shared/domain/coins';
import { ADMINS_GROUP, splitValue } from '../../../lambdas/shared/domain/economy';
import { LOCAL_CREDENTIALS } from '../../../local/dynamodb/server';
import { listen, readBody } from '../../../local/http';
import { runAs } from '../../../local/iam/caller';
import { startFunctionUrl, type LocalFunctionUrl } from '../../../local/lambda/function-url';
import { startLocalSecretsManager, type LocalSecretsManager } from '../../../local/secretsmanager/index';
import { localCoinsConfig } from '../../../local/stripe/index';
import { startLocalStripe, type LocalSession, type LocalStripe } from '../../../local/stripe/server';
import { FC_SEED } from '../../support/fast-check';
import { assertConservation } from './conservation';
import {
  DECIDE_PAYOUT,
  EARNINGS,
  ECONOMY,
  REQUEST_PAYOUT,
  SEND_GIFT,
  SEND_TIP,
  SET_TIER,
  untilFinal,
  useEconomyApi,
  type Loose,
  type User,
} from './harness';
import { seedAccount, seedChannel } from './seed';

const RUNS = Number(process.env.FC_RUNS_ECONOMY ?? 8);
const MAX_OPS = Number(process.env.ECONOMY_MODEL_OPS ?? 25);
const KEYS = {
  apiKey: `sk_test_model${randomUUID().replace(/-/g, '')}`,
  webhookSecret: `whsec_model${randomUUID().replace(/-/g, '')}`,
};
const config = localCoinsConfig();
const PACKS = config.packs.filter((p) => p.currency === 'USD');
const COST: Record<string, number> = Object.fromEntries(ECONOMY.gifts.map((g) => [g.id, g.coins]));

type Handler = (event: unknown) => Promise<unknown>;
const handlers: Record<string, Handler> = {};
const invoke = (name: string, event: unknown) => runAs(name, () => (handlers[name] as Handler)(event));

const api = useEconomyApi({ invokeLambda: invoke });
const { db } = api;
const admin: User = { sub: 'u-admin', handle: 'ada', groups: [ADMINS_GROUP] };

let secrets: LocalSecretsManager;
let webhook: LocalFunctionUrl;
let stripe: LocalStripe;
let catcher: Server;
/** Events the local Stripe sent, caught before the webhook: the model delivers them. */
const inbox: string[] = [];

beforeAll(async () => {
  secrets = await startLocalSecretsManager({ secrets: { [config.stripeSecretName]: JSON.stringify(KEYS) } });
  // The handlers' SDK clients resolve their endpoints on first use: the environment comes first, as in Lambda.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL_DYNAMODB: db.lambdaEndpoint,
    AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
    TABLE_NAME: db.tableName,
    RESOURCE_TAG: 'local',
    WEB_URL: 'http://web.test',
    STRIPE_SECRET_NAME: config.stripeSecretName,
    COIN_PACKS: JSON.stringify(config.packs),
  });
  handlers['coin-checkout'] = (await import('../../../lambdas/coin-checkout/handler')).handler as Handler;
  handlers['stripe-webhook'] = (await import('../../../lambdas/stripe-webhook/handler')).handler as Handler;
  webhook = await startFunctionUrl(invoke, 'stripe-webhook');
  catcher = createServer((req, res) => {
    void readBody(req).then((body) => {
      inbox.push(body);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"received":true}');
    });
  });
  await listen(catcher, 0, 'event catcher');
  stripe = await startLocalStripe({
    ...KEYS,
    webhookUrl: `http://127.0.0.1:${(catcher.address() as AddressInfo).port}/`,
    retryDelaysMs: [],
    // Bank debits settle when the model says so (the settle operation), never on a timer.
    bankDebitSettleMs: 3_600_000,
  });
  process.env.STRIPE_API_URL = stripe.url;
});

afterAll(async () => {
  await stripe?.stop();
  await webhook?.stop();
  await secrets?.stop();
  catcher?.closeAllConnections();
  await new Promise((resolve) => catcher?.close(resolve));
});

/** POSTs one event to the webhook as Stripe does: signed now, delivered again on a 5xx. */
async function post(payload: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const res = await fetch(webhook.url, {
      method: 'POST',
      body: payload,
      headers: {
        'content-type': 'application/json',
        'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: KEYS.webhookSecret }),
      },
    });
    await res.arrayBuffer();
    if (res.status < 500 || attempt === 5) return res.status;
  }
}

type Method = 'card' | 'declined' | 'bank-pays' | 'bank-fails';
const PAYMENT_FORM: Record<Method, Record<string, string>> = {
  card: { cardNumber: '4242 4242 4242 4242', expiry: '12 / 34', cvc: '123' },
  declined: { cardNumber: '4000 0000 0000 0002', expiry: '12 / 34', cvc: '123' },
  'bank-pays': {
    method: 'us_bank_account',
    accountHolder: 'Model Buyer',
    routingNumber: '110000000',
    accountNumber: '000123456789',
  },
  'bank-fails': {
    method: 'us_bank_account',
    accountHolder: 'Model Buyer',
    routingNumber: '110000000',
    accountNumber: '000222222227',
  },
};

type Op =
  | { op: 'buy'; user: number; pack: number; method: Method }
  | { op: 'settle'; pick: number }
  | { op: 'deliver'; pick: number; copies: number }
  | { op: 'redeliver'; pick: number }
  | { op: 'refund'; pick: number; percent: number }
  | { op: 'dispute'; pick: number }
  | { op: 'gift'; user: number; to: number; giftId: string; count: number }
  | { op: 'tip'; user: number; to: number; coins: number }
  | { op: 'retry' }
  | { op: 'request'; to: number }
  | { op: 'decide'; paid: boolean }
  | { op: 'tier'; to: number; premium: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    arbitrary: fc.record({
      op: fc.constant('buy' as const),
      user: fc.nat(2),
      pack: fc.nat(PACKS.length - 1),
      method: fc.constantFrom<Method>('card', 'card', 'card', 'bank-pays', 'bank-pays', 'bank-fails', 'declined'),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ op: fc.constant('settle' as const), pick: fc.nat(99) }), weight: 2 },
  {
    arbitrary: fc.record({
      op: fc.constant('deliver' as const),
      pick: fc.nat(99),
      copies: fc.integer({ min: 1, max: 3 }),
    }),
    weight: 5,
  },
  { arbitrary: fc.record({ op: fc.constant('redeliver' as const), pick: fc.nat(99) }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant('refund' as const),
      pick: fc.nat(99),
      percent: fc.integer({ min: 1, max: 100 }),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ op: fc.constant('dispute' as const), pick: fc.nat(99) }), weight: 1 },
  {
    arbitrary: fc.record({
      op: fc.constant('gift' as const),
      user: fc.nat(2),
      to: fc.nat(1),
      giftId: fc.constantFrom('heart', 'rose', 'star', 'rocket', 'castle'),
      count: fc.integer({ min: 1, max: 3 }),
    }),
    weight: 4,
  },
  {
    arbitrary: fc.record({
      op: fc.constant('tip' as const),
      user: fc.nat(2),
      to: fc.nat(1),
      coins: fc.integer({ min: 1, max: 999 }),
    }),
    weight: 2,
  },
  { arbitrary: fc.constant({ op: 'retry' as const }), weight: 1 },
  { arbitrary: fc.record({ op: fc.constant('request' as const), to: fc.nat(1) }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('decide' as const), paid: fc.boolean() }), weight: 2 },
  { arbitrary: fc.record({ op: fc.constant('tier' as const), to: fc.nat(1), premium: fc.boolean() }), weight: 1 },
);

/** A coin purchase as the model sees it: what Stripe was told, and what the webhook has been told so far. */
interface Purchase {
  user: number;
  coins: number;
  amount: number;
  status: PurchaseStatus;
  credited: boolean;
  /** Stripe's cumulative refunded amount and disputed amount, as delivered. */
  refunded: number;
  disputed: number;
  /** Coins taken back so far. */
  clawed: number;
}

interface StripeEvent {
  type: string;
  data: { object: Loose };
}

let run = 0;

describe('economy model', () => {
  it(
    'every sequence of Stripe events (any order, duplicated), gifts, tips, payouts and tiers leaves wallets, purchases and earnings as the model says, and coins conserved',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 5, maxLength: MAX_OPS }), async (ops) => {
          run++;
          inbox.length = 0;
          const viewers: User[] = [0, 1, 2].map((i) => ({ sub: `m${run}-v${i}`, handle: `m${run}v${i}` }));
          const casters: User[] = [0, 1].map((i) => ({ sub: `m${run}-b${i}`, handle: `m${run}b${i}` }));
          for (const b of casters) {
            await seedAccount(db.doc, db.tableName, b.sub, b.handle);
            await seedChannel(db.doc, db.tableName, b.sub, b.handle, `m${run}-stream-${b.sub}`);
          }
          const wallet = viewers.map(() => ({ coins: 0, debt: 0 }));
          const earn = casters.map(() => ({ earned: 0, reserved: 0, paid: 0, premium: false }));
          const purchases = new Map<string, Purchase>();
          const delivered: string[] = [];
          const queue: { payoutId: string; to: number; amount: number }[] = [];
          let last: { user: number; vars: Record<string, unknown>; answer: Loose; tip: boolean } | undefined;

          /** The stand-in's sessions of this run that `test` picks, oldest first. */
          const sessionsWhere = (test: (s: LocalSession) => boolean) =>
            [...purchases.keys()].map((id) => stripe.sessions.get(id)!).filter(test);
          const bySession = (id: string) => purchases.get(id)!;
          const byPaymentIntent = (pi: string) => {
            const s = [...stripe.sessions.values()].find((x) => x.payment_intent === pi);
            return purchases.get(s!.id)!;
          };

          const credit = (p: Purchase) => {
            if (p.credited) return;
            const reversed = reversedAmount(p.amount, p.refunded, p.disputed);
            p.clawed = coinsReversed(p.coins, p.amount, reversed);
            const w = wallet[p.user]!;
            const net = p.coins - p.clawed;
            const settled = Math.min(w.debt, net);
            w.debt -= settled;
            w.coins += net - settled;
            p.credited = true;
            p.status = reversed >= p.amount ? 'REFUNDED' : 'PAID';
          };
          const clawBack = (p: Purchase) => {
            if (!p.credited) return;
            const reversed = reversedAmount(p.amount, p.refunded, p.disputed);
            const target = coinsReversed(p.coins, p.amount, reversed);
            const delta = target - p.clawed;
            if (delta > 0) {
              const w = wallet[p.user]!;
              const taken = Math.min(w.coins, delta);
              w.coins -= taken;
              w.debt += delta - taken;
              p.clawed = target;
            }
            p.status = reversed >= p.amount ? 'REFUNDED' : 'PAID';
          };
          /** What the webhook does with one event, in the model's terms (a duplicate changes nothing). */
          const apply = (e: StripeEvent) => {
            const o = e.data.object;
            if (e.type === 'checkout.session.completed') {
              const p = bySession(o.id);
              if (o.payment_status === 'paid') credit(p);
              else if (p.status === 'OPEN') p.status = 'PROCESSING';
            } else if (e.type === 'checkout.session.async_payment_succeeded') {
              credit(bySession(o.id));
            } else if (e.type === 'checkout.session.async_payment_failed') {
              const p = bySession(o.id);
              if (p.status === 'OPEN' || p.status === 'PROCESSING') p.status = 'FAILED';
            } else if (e.type === 'charge.refunded') {
              const p = byPaymentIntent(o.payment_intent);
              p.refunded = Math.max(p.refunded, o.amount_refunded);
              clawBack(p);
            } else if (e.type === 'charge.dispute.created') {
              const p = byPaymentIntent(o.payment_intent);
              p.disputed = Math.max(p.disputed, o.amount);
              clawBack(p);
            } else {
              throw new Error(`the local Stripe sent an event the model does not know: ${e.type}`);
            }
          };
          /** Delivers `payload` `copies` times at once; every copy is acknowledged with 200. */
          const deliver = async (payload: string, copies: number) => {
            const statuses = await Promise.all(Array.from({ length: copies }, () => post(payload)));
            expect(statuses).toEqual(statuses.map(() => 200));
            apply(JSON.parse(payload) as StripeEvent);
          };

          for (const [k, o] of ops.entries()) {
            if (o.op === 'buy') {
              const pack = PACKS[o.pack]!;
              const r = await api.gql(
                viewers[o.user]!,
                'mutation($p: ID!) { startCoinCheckout(packId: $p) { sessionId url } }',
                {
                  p: pack.id,
                },
              );
              expect(r.errors).toBeUndefined();
              const { sessionId, url } = r.data?.startCoinCheckout as { sessionId: string; url: string };
              purchases.set(sessionId, {
                user: o.user,
                coins: pack.coins,
                amount: pack.amount,
                status: 'OPEN',
                credited: false,
                refunded: 0,
                disputed: 0,
                clawed: 0,
              });
              const res = await fetch(url, {
                method: 'POST',
                redirect: 'manual',
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                body: new URLSearchParams(PAYMENT_FORM[o.method]).toString(),
              });
              await res.arrayBuffer();
              expect(res.status).toBe(o.method === 'declined' ? 402 : 303);
            } else if (o.op === 'settle') {
              const due = sessionsWhere((s) => s.local.bankDebit?.settled === false);
              if (due.length) await stripe.settle(due[o.pick % due.length]!.id);
            } else if (o.op === 'deliver' && inbox.length) {
              const [payload] = inbox.splice(o.pick % inbox.length, 1);
              await deliver(payload!, o.copies);
              delivered.push(payload!);
            } else if (o.op === 'redeliver' && delivered.length) {
              await deliver(delivered[o.pick % delivered.length]!, 1);
            } else if (o.op === 'refund') {
              const paid = sessionsWhere((s) => s.payment_status === 'paid' && s.local.amountRefunded < s.amount_total);
              if (paid.length) {
                const s = paid[o.pick % paid.length]!;
                const left = s.amount_total - s.local.amountRefunded;
                await stripe.refund(s.id, Math.max(1, Math.floor((left * o.percent) / 100)));
              }
            } else if (o.op === 'dispute') {
              const open = sessionsWhere((s) => s.payment_status === 'paid' && !s.local.disputed);
              if (open.length) await stripe.dispute(open[o.pick % open.length]!.id);
            } else if (o.op === 'gift' || o.op === 'tip') {
              const cost = o.op === 'gift' ? COST[o.giftId]! * o.count : o.coins;
              const vars =
                o.op === 'gift'
                  ? {
                      i: {
                        channelId: casters[o.to]!.sub,
                        giftId: o.giftId,
                        count: o.count,
                        clientGiftId: `m${run}-${k}`,
                      },
                    }
                  : {
                      i: { channelId: casters[o.to]!.sub, coins: o.coins, message: null, clientGiftId: `m${run}-${k}` },
                    };
              const r = await untilFinal(() => api.gql(viewers[o.user]!, o.op === 'gift' ? SEND_GIFT : SEND_TIP, vars));
              const w = wallet[o.user]!;
              const expected = w.debt > 0 ? 'COINS_IN_DEBT' : w.coins < cost ? 'INSUFFICIENT_COINS' : 'OK';
              expect(r.errors?.[0]?.errorType ?? 'OK').toBe(expected);
              if (expected === 'OK') {
                w.coins -= cost;
                const e = earn[o.to]!;
                e.earned += splitValue(
                  cost * ECONOMY.coinValueMinor,
                  e.premium ? ECONOMY.premiumSharePercent : ECONOMY.standardSharePercent,
                ).broadcasterMinor;
                last = {
                  user: o.user,
                  vars,
                  answer: o.op === 'gift' ? r.data?.sendGift.gift : r.data?.sendTip.gift,
                  tip: o.op === 'tip',
                };
              }
            } else if (o.op === 'retry' && last) {
              const r = await untilFinal(() =>
                api.gql(viewers[last!.user]!, last!.tip ? SEND_TIP : SEND_GIFT, last!.vars),
              );
              expect(last.tip ? r.data?.sendTip.gift : r.data?.sendGift.gift).toEqual(last.answer);
            } else if (o.op === 'request') {
              const e = earn[o.to]!;
              const available = e.earned - e.reserved - e.paid;
              const r = await untilFinal(() => api.gql(casters[o.to]!, REQUEST_PAYOUT, { c: `m${run}-${k}` }));
              expect(r.errors?.[0]?.errorType ?? 'OK').toBe(
                available >= ECONOMY.minimumPayoutMinor ? 'OK' : 'BELOW_MINIMUM_PAYOUT',
              );
              if (!r.errors) {
                expect(r.data?.requestPayout.amount).toBe(available);
                e.reserved += available;
                queue.push({ payoutId: r.data?.requestPayout.payoutId as string, to: o.to, amount: available });
              }
            } else if (o.op === 'decide' && queue.length) {
              const p = queue.shift()!;
              const r = await untilFinal(() =>
                api.gql(admin, DECIDE_PAYOUT, {
                  p: p.payoutId,
                  d: o.paid ? 'PAID' : 'REJECTED',
                  r: o.paid ? null : 'Checked: not eligible',
                }),
              );
              expect(r.errors).toBeUndefined();
              earn[p.to]!.reserved -= p.amount;
              if (o.paid) earn[p.to]!.paid += p.amount;
            } else if (o.op === 'tier') {
              const r = await api.gql(admin, SET_TIER, {
                u: casters[o.to]!.sub,
                t: o.premium ? 'PREMIUM' : 'STANDARD',
              });
              expect(r.errors).toBeUndefined();
              earn[o.to]!.premium = o.premium;
            }
          }

          // Stripe delivers everything eventually: the debits still processing settle, the events still on their way arrive.
          for (const s of sessionsWhere((x) => x.local.bankDebit?.settled === false)) await stripe.settle(s.id);
          while (inbox.length) await deliver(inbox.shift()!, 1);

          for (const [i, v] of viewers.entries()) {
            const w = (await api.gql(v, 'query { myWallet { coins debt } }')).data?.myWallet;
            expect(w).toEqual({ coins: wallet[i]!.coins, debt: wallet[i]!.debt });
            const listed = (
              await api.gql(v, 'query { myCoinPurchases(limit: 50) { items { sessionId status refundedAmount } } }')
            ).data?.myCoinPurchases.items as { sessionId: string; status: string; refundedAmount: number }[];
            const mine = [...purchases.entries()].filter(([, p]) => p.user === i);
            expect(Object.fromEntries(listed.map((p) => [p.sessionId, [p.status, p.refundedAmount]]))).toEqual(
              Object.fromEntries(
                mine.map(([id, p]) => [
                  id,
                  [p.status, p.credited ? reversedAmount(p.amount, p.refunded, p.disputed) : 0],
                ]),
              ),
            );
          }
          for (const [i, b] of casters.entries()) {
            const e = (await api.gql(b, EARNINGS)).data?.myEarnings;
            const m = earn[i]!;
            expect(e).toMatchObject({
              availableAmount: m.earned - m.reserved - m.paid,
              reservedAmount: m.reserved,
              paidAmount: m.paid,
              tier: m.premium ? 'PREMIUM' : 'STANDARD',
            });
          }
          await assertConservation(db.doc, db.tableName, ECONOMY.coinValueMinor);
        }),
        { seed: FC_SEED, numRuns: RUNS, endOnFailure: true },
      );
    },
    Math.max(300_000, RUNS * 40_000),
  );
});
