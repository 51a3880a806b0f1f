/**
 * A local stand-in for Stripe, like the other AWS stand-ins: the API call the platform makes
 * (`POST /v1/checkout/sessions`, form-encoded, Bearer key; `GET /v1/checkout/sessions/<id>`; and
 * `POST /v1/checkout/sessions/<id>/expire`), a hosted checkout page with a test card form, and a
 * dashboard with refunds, disputes and expiry. Besides test cards the page takes Stripe's test US
 * bank accounts (ACH Direct Debit, a delayed payment method): the session completes unpaid
 * (`checkout.session.completed`, `payment_status: 'unpaid'`) and the debit settles later, after
 * `bankDebitSettleMs` or at once from the dashboard (`checkout.session.async_payment_succeeded` or
 * `..._failed`), as Stripe does days later with a real bank. An open session expires at its `expires_at`
 * (24 hours, or as created) or when expired through the API or the dashboard. Events
 * go to the webhook endpoint signed exactly as Stripe signs them (`Stripe-Signature`, from
 * `stripe.webhooks.generateTestHeaderString` with the endpoint secret), so the webhook handler's
 * signature check runs unchanged; a delivery that fails is retried with backoff, as Stripe does.
 * Sessions are kept in `<dataDir>/sessions.json` so refunds work across restarts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Stripe from 'stripe';
import { formatMoney } from '../../lambdas/shared/domain/money';
import { listen, readBody } from '../http';
import { checkBankAccount, type BankDebitOutcome } from './bank-accounts';
import { checkCard } from './cards';

export interface LocalStripeOptions {
  /** The secret key the API accepts (`Authorization: Bearer <apiKey>`). */
  apiKey: string;
  /** The webhook endpoint secret events are signed with. */
  webhookSecret: string;
  /** Where events are POSTed (the stripe-webhook function URL). */
  webhookUrl: string;
  /** Directory for sessions.json; in memory only when absent. */
  dataDir?: string;
  /** 0 = a free port. */
  port?: number;
  /** How long after it is submitted a test bank debit settles (a real one takes up to 4 business days). @default 10000 */
  bankDebitSettleMs?: number;
  /** Delays between delivery attempts of a failed event (Stripe backs off over days). @default [1000, 5000, 30000] */
  retryDelaysMs?: number[];
  log?: (line: string) => void;
}

/** One delivery attempt of one event, as the dashboard lists them. */
export interface Delivery {
  eventId: string;
  type: string;
  at: string;
  status: number | 'network error';
  attempt: number;
}

/** A Checkout Session as the stand-in keeps it (Stripe's fields plus what the charge needs). */
export interface LocalSession {
  id: string;
  object: 'checkout.session';
  mode: 'payment';
  status: 'open' | 'complete' | 'expired';
  payment_status: 'unpaid' | 'paid';
  amount_subtotal: number;
  amount_total: number;
  currency: string;
  client_reference_id: string | null;
  customer_email: string | null;
  metadata: Record<string, string>;
  payment_intent: string | null;
  success_url: string;
  cancel_url: string | null;
  url: string | null;
  created: number;
  expires_at: number;
  livemode: false;
  /** Stand-in bookkeeping (not sent): the line item's name, the PaymentIntent's metadata, the charge. */
  local: {
    productName: string;
    paymentMetadata: Record<string, string>;
    chargeId?: string;
    amountRefunded: number;
    disputed: boolean;
    card?: string;
    /** A bank debit's account, how it settles, when, and whether it has. */
    bankDebit?: { account: string; outcome: BankDebitOutcome; settlesAt: number; settled: boolean };
  };
}

export interface LocalStripe {
  url: string;
  sessions: Map<string, LocalSession>;
  deliveries: Delivery[];
  /** Refunds `amount` (default: what is left) of a paid session and sends `charge.refunded`. */
  refund(sessionId: string, amount?: number): Promise<LocalSession>;
  /** Opens a dispute for the whole charge and sends `charge.dispute.created`. */
  dispute(sessionId: string): Promise<LocalSession>;
  /** Sends `checkout.session.completed` of a paid session again (Stripe's at-least-once delivery). */
  resend(sessionId: string): Promise<void>;
  /** Expires an open session now and sends `checkout.session.expired` (Stripe's `POST /v1/checkout/sessions/<id>/expire`). */
  expire(sessionId: string): Promise<LocalSession>;
  /**
   * Settles a processing bank debit now, as its test account says: paid (`checkout.session.async_payment_succeeded`)
   * or failed (`checkout.session.async_payment_failed`).
   */
  settle(sessionId: string): Promise<LocalSession>;
  /** Waits for queued retries to be attempted. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly param?: string,
  ) {
    super(message);
  }
}

const EXPIRED_SENTENCE = 'This checkout session has expired. Go back and start a new purchase.';
const rid = (prefix: string) =>
  `${prefix}_test_${randomBytes(18).toString('base64url').replace(/[-_]/g, '').slice(0, 24)}`;
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Stripe's form encoding (`a[b][0][c]=v`) back into nested objects and arrays. */
export function parseStripeForm(body: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(body)) {
    const path = key.replace(/\]/g, '').split('[');
    let node: Record<string, unknown> = root;
    path.forEach((part, i) => {
      if (i === path.length - 1) {
        node[part] = value;
        return;
      }
      node[part] ??= /^\d+$/.test(path[i + 1] as string) ? [] : {};
      node = node[part] as Record<string, unknown>;
    });
  }
  return root;
}

const stringMap = (v: unknown): Record<string, string> =>
  v && typeof v === 'object'
    ? Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, String(x)]))
    : {};

export async function startLocalStripe(opts: LocalStripeOptions): Promise<LocalStripe> {
  const log = opts.log ?? (() => undefined);
  const file = opts.dataDir ? join(opts.dataDir, 'sessions.json') : undefined;
  if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
  const sessions = new Map<string, LocalSession>(
    file && existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as LocalSession[]).map((s) => [s.id, s]) : [],
  );
  const save = () => {
    if (file) writeFileSync(file, JSON.stringify([...sessions.values()], null, 2));
  };
  const deliveries: Delivery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  const pending = new Set<Promise<void>>();
  const delays = opts.retryDelaysMs ?? [1000, 5000, 30_000];
  const settleMs = opts.bankDebitSettleMs ?? 10_000;
  let base = '';
  /** Stripe's bounds on a session's `expires_at`: 30 minutes to 24 hours after creation. */
  const EXPIRY_BOUNDS_S = { min: 30 * 60, max: 24 * 3600 };

  const event = (type: string, object: unknown) => ({
    id: rid('evt'),
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: Math.floor(Date.now() / 1000),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  });

  /** One POST of the event, signed as Stripe signs it (`t=<unix seconds>,v1=<HMAC-SHA256 of "t.payload">`). */
  const attempt = async (evt: ReturnType<typeof event>, n: number): Promise<boolean> => {
    const payload = JSON.stringify(evt, null, 2);
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret: opts.webhookSecret });
    let status: Delivery['status'];
    try {
      const res = await fetch(opts.webhookUrl, {
        method: 'POST',
        body: payload,
        signal: AbortSignal.timeout(20_000),
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': signature,
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
      });
      status = res.status;
      await res.arrayBuffer();
    } catch {
      status = 'network error';
    }
    deliveries.push({ eventId: evt.id, type: evt.type, at: new Date().toISOString(), status, attempt: n });
    return typeof status === 'number' && status >= 200 && status < 300;
  };

  /** Delivers now; on failure keeps retrying in the background after each of `delays`. */
  const deliver = async (evt: ReturnType<typeof event>): Promise<void> => {
    if (await attempt(evt, 1)) return;
    log(`Local Stripe: ${evt.type} ${evt.id} was not accepted by the webhook; retrying`);
    const retry = (i: number) => {
      if (i >= delays.length) return;
      const timer = setTimeout(() => {
        timers.delete(timer);
        const p = attempt(evt, i + 2).then((ok) => {
          if (!ok) retry(i + 1);
        });
        pending.add(p);
        void p.finally(() => pending.delete(p));
      }, delays[i]);
      timers.add(timer);
    };
    retry(0);
  };

  const sessionView = (s: LocalSession) => {
    const { local: _local, ...view } = s;
    return view;
  };

  const charge = (s: LocalSession) => ({
    id: s.local.chargeId,
    object: 'charge',
    amount: s.amount_total,
    amount_captured: s.amount_total,
    amount_refunded: s.local.amountRefunded,
    currency: s.currency,
    payment_intent: s.payment_intent,
    metadata: s.local.paymentMetadata,
    paid: true,
    status: 'succeeded',
    refunded: s.local.amountRefunded >= s.amount_total,
    disputed: s.local.disputed,
    created: s.created,
    livemode: false,
  });

  const paid = (id: string): LocalSession => {
    const s = sessions.get(id);
    if (!s) throw new StripeApiError(404, 'invalid_request_error', `No such checkout.session: '${id}'`);
    if (s.payment_status !== 'paid')
      throw new StripeApiError(
        400,
        'invalid_request_error',
        `Checkout session ${id} has not been paid, so there is nothing to refund or dispute.`,
      );
    return s;
  };

  const api = {
    async refund(id: string, amount?: number): Promise<LocalSession> {
      const s = paid(id);
      const left = s.amount_total - s.local.amountRefunded;
      const value = amount ?? left;
      if (!Number.isInteger(value) || value <= 0 || value > left) {
        throw new StripeApiError(
          400,
          'invalid_request_error',
          left === 0
            ? `Charge ${s.local.chargeId} has already been refunded.`
            : `Refund amount must be between 1 and ${left}.`,
          'amount',
        );
      }
      s.local.amountRefunded += value;
      save();
      await deliver(event('charge.refunded', charge(s)));
      return s;
    },
    async dispute(id: string): Promise<LocalSession> {
      const s = paid(id);
      if (s.local.disputed)
        throw new StripeApiError(400, 'invalid_request_error', `Charge ${s.local.chargeId} is already disputed.`);
      s.local.disputed = true;
      save();
      await deliver(
        event('charge.dispute.created', {
          id: rid('dp'),
          object: 'dispute',
          amount: s.amount_total,
          currency: s.currency,
          charge: s.local.chargeId,
          payment_intent: s.payment_intent,
          reason: 'fraudulent',
          status: 'needs_response',
          created: Math.floor(Date.now() / 1000),
          livemode: false,
        }),
      );
      return s;
    },
    async resend(id: string): Promise<void> {
      const s = paid(id);
      await deliver(event('checkout.session.completed', sessionView(s)));
    },
    async settle(id: string): Promise<LocalSession> {
      const s = sessions.get(id);
      if (!s) throw new StripeApiError(404, 'invalid_request_error', `No such checkout.session: '${id}'`);
      const debit = s.local.bankDebit;
      if (!debit || debit.settled)
        throw new StripeApiError(
          400,
          'invalid_request_error',
          `Checkout session ${id} has no bank debit waiting to settle.`,
        );
      debit.settled = true;
      if (debit.outcome.succeeds) {
        s.payment_status = 'paid';
        s.local.chargeId = rid('py');
      }
      save();
      await deliver(
        event(
          debit.outcome.succeeds ? 'checkout.session.async_payment_succeeded' : 'checkout.session.async_payment_failed',
          sessionView(s),
        ),
      );
      return s;
    },
    async expire(id: string): Promise<LocalSession> {
      const s = sessions.get(id);
      if (!s) throw new StripeApiError(404, 'invalid_request_error', `No such checkout.session: '${id}'`);
      if (s.status !== 'open')
        throw new StripeApiError(
          400,
          'invalid_request_error',
          `Only Checkout Sessions with a status of open can be expired (this one is ${s.status}).`,
        );
      s.status = 'expired';
      s.url = null;
      save();
      await deliver(event('checkout.session.expired', sessionView(s)));
      return s;
    },
  };

  /** Settles the bank debit of `s` when it is due (at once if that was while the stand-in was stopped). */
  const scheduleSettle = (s: LocalSession) => {
    const debit = s.local.bankDebit;
    if (!debit || debit.settled) return;
    const timer = setTimeout(
      () => {
        timers.delete(timer);
        if (s.local.bankDebit?.settled) return;
        const p = api
          .settle(s.id)
          .then(() => undefined)
          .catch((error: Error) => log(`Local Stripe: settling ${s.id} failed: ${error.message}`));
        pending.add(p);
        void p.finally(() => pending.delete(p));
      },
      Math.max(0, debit.settlesAt - Date.now()),
    );
    timers.add(timer);
  };
  for (const s of sessions.values()) scheduleSettle(s);

  /** Expires the open sessions whose `expires_at` has passed, as Stripe does (checked each minute, and at start). */
  const expireDue = async () => {
    const now = Math.floor(Date.now() / 1000);
    for (const s of [...sessions.values()]) {
      if (s.status === 'open' && s.expires_at <= now)
        await api.expire(s.id).catch((error: Error) => log(`Local Stripe: expiring ${s.id} failed: ${error.message}`));
    }
  };
  const sweep = setInterval(() => void expireDue(), 60_000);
  sweep.unref();

  function createSession(params: Record<string, unknown>): LocalSession {
    if (params.mode !== 'payment')
      throw new StripeApiError(
        400,
        'invalid_request_error',
        'The local Stripe serves mode=payment sessions only.',
        'mode',
      );
    const items = Array.isArray(params.line_items) ? (params.line_items as Record<string, unknown>[]) : [];
    const item = items[0];
    const price = item?.price_data as Record<string, unknown> | undefined;
    const unit = Number(price?.unit_amount);
    const quantity = Number(item?.quantity ?? 1);
    if (
      items.length !== 1 ||
      !price ||
      !Number.isInteger(unit) ||
      unit < 0 ||
      !Number.isInteger(quantity) ||
      quantity < 1
    ) {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        'line_items must hold one item with price_data (currency, unit_amount, product_data) and a quantity.',
        'line_items',
      );
    }
    if (typeof params.success_url !== 'string' || !/^https?:\/\//.test(params.success_url)) {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        'success_url must be an absolute http(s) URL.',
        'success_url',
      );
    }
    const id = rid('cs');
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = params.expires_at === undefined ? now + EXPIRY_BOUNDS_S.max : Number(params.expires_at);
    if (
      !Number.isInteger(expiresAt) ||
      expiresAt < now + EXPIRY_BOUNDS_S.min ||
      expiresAt > now + EXPIRY_BOUNDS_S.max
    ) {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        'expires_at must be between 30 minutes and 24 hours after the session is created.',
        'expires_at',
      );
    }
    const session: LocalSession = {
      id,
      object: 'checkout.session',
      mode: 'payment',
      status: 'open',
      payment_status: 'unpaid',
      amount_subtotal: unit * quantity,
      amount_total: unit * quantity,
      currency: String(price.currency ?? 'usd').toLowerCase(),
      client_reference_id: typeof params.client_reference_id === 'string' ? params.client_reference_id : null,
      customer_email: typeof params.customer_email === 'string' ? params.customer_email : null,
      metadata: stringMap(params.metadata),
      payment_intent: null,
      success_url: params.success_url,
      cancel_url: typeof params.cancel_url === 'string' ? params.cancel_url : null,
      url: `${base}/checkout/${id}`,
      created: now,
      expires_at: expiresAt,
      livemode: false,
      local: {
        productName: String((price.product_data as Record<string, unknown> | undefined)?.name ?? 'Item'),
        paymentMetadata: stringMap((params.payment_intent_data as Record<string, unknown> | undefined)?.metadata),
        amountRefunded: 0,
        disputed: false,
      },
    };
    sessions.set(id, session);
    save();
    return session;
  }

  /** Pays an open session with a card: Stripe's sentence on refusal, else completes it and sends the event. */
  async function pay(s: LocalSession, form: URLSearchParams): Promise<{ error: string } | { redirect: string }> {
    const redirect = s.success_url.replace('{CHECKOUT_SESSION_ID}', s.id);
    if (s.status === 'complete') return { redirect };
    if (s.status === 'expired' || s.expires_at * 1000 < Date.now()) return { error: EXPIRED_SENTENCE };
    if (form.get('method') === 'us_bank_account') return payByBank(s, form, redirect);
    const card = checkCard(form.get('cardNumber') ?? '', form.get('expiry') ?? '', form.get('cvc') ?? '');
    if (!card.ok) return { error: card.message };
    s.status = 'complete';
    s.payment_status = 'paid';
    s.payment_intent = rid('pi');
    s.url = null;
    s.local.chargeId = rid('ch');
    s.local.card = `${card.brand} •••• ${card.last4}`;
    save();
    // Stripe does not wait for the webhook before redirecting; the stand-in waits for the first attempt so
    // the wallet page the buyer lands on already shows the coins (a failed attempt is retried in the background).
    await deliver(event('checkout.session.completed', sessionView(s)));
    return { redirect };
  }

  /**
   * Pays with a test US bank account: the session completes unpaid (its PaymentIntent processing)
   * and `checkout.session.completed` goes out at once; the debit settles after `settleMs`.
   */
  async function payByBank(
    s: LocalSession,
    form: URLSearchParams,
    redirect: string,
  ): Promise<{ error: string } | { redirect: string }> {
    if (s.currency !== 'usd') return { error: 'US bank account payments are for purchases in US dollars.' };
    const bank = checkBankAccount(
      form.get('routingNumber') ?? '',
      form.get('accountNumber') ?? '',
      form.get('accountHolder') ?? '',
    );
    if (!bank.ok) return { error: bank.message };
    s.status = 'complete';
    s.payment_status = 'unpaid';
    s.payment_intent = rid('pi');
    s.url = null;
    s.local.bankDebit = {
      account: `US bank account •••• ${bank.last4}`,
      outcome: bank.outcome,
      settlesAt: Date.now() + settleMs,
      settled: false,
    };
    save();
    scheduleSettle(s);
    await deliver(event('checkout.session.completed', sessionView(s)));
    return { redirect };
  }

  const page = (title: string, body: string, status = 200) => ({
    status,
    html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:0;background:#f6f9fc;color:#1a1f36}main{max-width:30rem;margin:2rem auto;padding:1.5rem;background:#fff;border-radius:8px;box-shadow:0 2px 8px #0002}
label{display:block;margin:.75rem 0 .25rem;font-size:.9rem}input{width:100%;box-sizing:border-box;padding:.6rem;font-size:1rem;border:1px solid #ccd;border-radius:4px}
.row{display:flex;gap:.75rem}.row>div{flex:1}button{margin-top:1rem;width:100%;padding:.75rem;font-size:1rem;background:#635bff;color:#fff;border:0;border-radius:4px;cursor:pointer}
.error{color:#c0123c;background:#fff0f3;padding:.6rem;border-radius:4px}.hint{font-size:.85rem;color:#556}table{width:100%;border-collapse:collapse;font-size:.85rem}td,th{padding:.4rem;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
.wide{max-width:64rem}form.inline{display:inline}form.inline button{width:auto;margin:0 .25rem .25rem 0;padding:.35rem .6rem;font-size:.8rem}.badge{font-size:.75rem;background:#ffde92;padding:.1rem .4rem;border-radius:3px}</style></head>
<body><main${title.startsWith('Local Stripe') ? ' class="wide"' : ''}>${body}</main></body></html>`,
  });

  const checkoutPage = (s: LocalSession, error?: string, values?: URLSearchParams) => {
    const amount = formatMoney({ amount: s.amount_total, currency: s.currency.toUpperCase() });
    const v = (k: string) => escapeHtml(values?.get(k) ?? '');
    return page(
      `Pay ${amount}`,
      `<p><span class="badge">TEST MODE</span></p><h1>${escapeHtml(s.local.productName)}</h1><p style="font-size:1.6rem;margin:.25rem 0">${amount}</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/checkout/${escapeHtml(s.id)}">
<label for="cardNumber">Card number</label><input id="cardNumber" name="cardNumber" inputmode="numeric" autocomplete="cc-number" placeholder="4242 4242 4242 4242" value="${v('cardNumber')}" required>
<div class="row"><div><label for="expiry">Expiry</label><input id="expiry" name="expiry" autocomplete="cc-exp" placeholder="MM / YY" value="${v('expiry')}" required></div>
<div><label for="cvc">CVC</label><input id="cvc" name="cvc" inputmode="numeric" autocomplete="cc-csc" placeholder="123" value="${v('cvc')}" required></div></div>
<label for="name">Name on card</label><input id="name" name="name" autocomplete="cc-name" value="${v('name')}">
<button type="submit">Pay ${amount}</button></form>
<p class="hint">Test cards: 4242 4242 4242 4242 pays; 4000 0000 0000 0002 is declined; 4000 0000 0000 9995 has insufficient funds. Any future expiry, any CVC.</p>
${
  s.currency === 'usd'
    ? `<h2>Or pay by US bank account</h2>
<form method="post" action="/checkout/${escapeHtml(s.id)}"><input type="hidden" name="method" value="us_bank_account">
<label for="accountHolder">Account holder name</label><input id="accountHolder" name="accountHolder" autocomplete="name" value="${v('accountHolder')}" required>
<div class="row"><div><label for="routingNumber">Routing number</label><input id="routingNumber" name="routingNumber" inputmode="numeric" placeholder="110000000" value="${v('routingNumber')}" required></div>
<div><label for="accountNumber">Account number</label><input id="accountNumber" name="accountNumber" inputmode="numeric" placeholder="000123456789" value="${v('accountNumber')}" required></div></div>
<button type="submit">Pay ${amount} by bank debit</button></form>
<p class="hint">A bank debit is confirmed by the bank later: up to 4 business days, ${Math.round(settleMs / 1000)} seconds here. Test accounts (routing 110000000): 000123456789 pays; 000222222227 fails (insufficient funds); 000111111113 fails (account closed).</p>`
    : ''
}
${s.cancel_url ? `<p><a href="${escapeHtml(s.cancel_url)}">Cancel and go back</a></p>` : ''}`,
      error ? 402 : 200,
    );
  };

  const dashboard = () => {
    const rows = [...sessions.values()]
      .sort((a, b) => b.created - a.created)
      .map((s) => {
        const amount = formatMoney({ amount: s.amount_total, currency: s.currency.toUpperCase() });
        const refunded = s.local.amountRefunded
          ? formatMoney({ amount: s.local.amountRefunded, currency: s.currency.toUpperCase() })
          : '';
        const label: Record<string, string> = {
          refund: 'Refund',
          dispute: 'Dispute',
          resend: 'Send completed again',
          expire: 'Expire',
          settle: 'Settle the bank debit now',
        };
        const debit = s.local.bankDebit;
        const actions = (
          s.payment_status === 'paid'
            ? ['refund', 'dispute', 'resend']
            : s.status === 'open'
              ? ['expire']
              : debit && !debit.settled
                ? ['settle']
                : []
        )
          .map(
            (a) =>
              `<form class="inline" method="post" action="/sessions/${escapeHtml(s.id)}/${a}"><button type="submit">${label[a]}</button></form>`,
          )
          .join('');
        return `<tr><td><code>${escapeHtml(s.id)}</code><br>${escapeHtml(s.local.productName)}</td><td>${escapeHtml(s.metadata.userId ?? s.client_reference_id ?? '')}</td><td>${amount}</td>
<td>${s.status} / ${s.payment_status}${debit ? `<br>${escapeHtml(debit.account)}: ${debit.settled ? (debit.outcome.succeeds ? 'paid' : `failed (${escapeHtml(debit.outcome.code)})`) : `processing, ${debit.outcome.succeeds ? 'pays' : 'fails'} at ${new Date(debit.settlesAt).toLocaleTimeString()}`}` : ''}${refunded ? `<br>refunded ${refunded}` : ''}${s.local.disputed ? '<br>disputed' : ''}</td><td>${actions}</td></tr>`;
      })
      .join('');
    const log = deliveries
      .slice(-20)
      .reverse()
      .map(
        (d) =>
          `<tr><td>${escapeHtml(d.at)}</td><td>${escapeHtml(d.type)}</td><td><code>${escapeHtml(d.eventId)}</code></td><td>${d.status} (attempt ${d.attempt})</td></tr>`,
      )
      .join('');
    return page(
      'Local Stripe',
      `<p><span class="badge">TEST MODE</span></p><h1>Local Stripe</h1><p class="hint">Checkout sessions the platform opened. Refunds and disputes send signed events to ${escapeHtml(opts.webhookUrl)}.</p>
<table><thead><tr><th>Session</th><th>User</th><th>Amount</th><th>Status</th><th></th></tr></thead><tbody>${rows || '<tr><td colspan="5">No checkout sessions yet.</td></tr>'}</tbody></table>
<h2>Webhook deliveries</h2><table><thead><tr><th>At</th><th>Event</th><th>Id</th><th>Answer</th></tr></thead><tbody>${log || '<tr><td colspan="4">None yet.</td></tr>'}</tbody></table>`,
    );
  };

  const sendJson = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  const sendHtml = (res: ServerResponse, p: { status: number; html: string }) =>
    res.writeHead(p.status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(p.html);
  const wantsJson = (req: IncomingMessage) => (req.headers.accept ?? '').includes('application/json');

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const path = url.pathname;
    try {
      if (path.startsWith('/v1/')) {
        if (req.headers.authorization !== `Bearer ${opts.apiKey}`) {
          throw new StripeApiError(
            401,
            'invalid_request_error',
            `Invalid API Key provided: ${String(req.headers.authorization ?? '')
              .replace(/^Bearer /, '')
              .slice(0, 8)}***`,
          );
        }
        const one = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
        const expiring = /^\/v1\/checkout\/sessions\/([^/]+)\/expire$/.exec(path);
        if (expiring && req.method === 'POST') {
          sendJson(res, 200, sessionView(await api.expire(decodeURIComponent(expiring[1] as string))));
        } else if (path === '/v1/checkout/sessions' && req.method === 'POST') {
          sendJson(res, 200, sessionView(createSession(parseStripeForm(await readBody(req)))));
        } else if (one && req.method === 'GET') {
          const s = sessions.get(decodeURIComponent(one[1] as string));
          if (!s) throw new StripeApiError(404, 'invalid_request_error', `No such checkout.session: '${one[1]}'`, 'id');
          sendJson(res, 200, sessionView(s));
        } else {
          throw new StripeApiError(
            404,
            'invalid_request_error',
            `Unrecognized request URL (${req.method}: ${path}). The local Stripe serves checkout sessions only.`,
          );
        }
        return;
      }
      const checkout = /^\/checkout\/([^/]+)$/.exec(path);
      if (checkout) {
        const s = sessions.get(decodeURIComponent(checkout[1] as string));
        if (!s) {
          sendHtml(
            res,
            page(
              'Checkout not found',
              '<h1>This checkout does not exist</h1><p>Go back to the shop and start a new purchase.</p>',
              404,
            ),
          );
          return;
        }
        if (req.method === 'POST') {
          const form = new URLSearchParams(await readBody(req));
          const outcome = await pay(s, form);
          if ('redirect' in outcome) res.writeHead(303, { location: outcome.redirect }).end();
          else sendHtml(res, checkoutPage(s, outcome.error, form));
          return;
        }
        if (s.status === 'complete') {
          res.writeHead(303, { location: s.success_url.replace('{CHECKOUT_SESSION_ID}', s.id) }).end();
          return;
        }
        if (s.status === 'expired') {
          sendHtml(
            res,
            page(
              'Checkout expired',
              `<h1>This checkout has expired</h1><p>${EXPIRED_SENTENCE}</p>${s.cancel_url ? `<p><a href="${escapeHtml(s.cancel_url)}">Back to the shop</a></p>` : ''}`,
              410,
            ),
          );
          return;
        }
        sendHtml(res, checkoutPage(s));
        return;
      }
      const action = /^\/sessions\/([^/]+)\/(refund|dispute|resend|expire|settle)$/.exec(path);
      if (action && req.method === 'POST') {
        const id = decodeURIComponent(action[1] as string);
        const form = new URLSearchParams(await readBody(req));
        const amount = form.get('amount');
        if (action[2] === 'refund') await api.refund(id, amount ? Number(amount) : undefined);
        else if (action[2] === 'dispute') await api.dispute(id);
        else if (action[2] === 'expire') await api.expire(id);
        else if (action[2] === 'settle') await api.settle(id);
        else await api.resend(id);
        if (wantsJson(req))
          sendJson(res, 200, { ...sessionView(sessions.get(id) as LocalSession), deliveries: deliveries.slice(-1) });
        else res.writeHead(303, { location: '/' }).end();
        return;
      }
      if (path === '/' && req.method === 'GET') {
        sendHtml(res, dashboard());
        return;
      }
      sendHtml(res, page('Not found', '<h1>Not found</h1>', 404));
    } catch (error) {
      const e =
        error instanceof StripeApiError ? error : new StripeApiError(500, 'api_error', (error as Error).message);
      if (path.startsWith('/v1/') || wantsJson(req))
        sendJson(res, e.status, {
          error: { type: e.type, message: e.message, ...(e.param ? { param: e.param } : {}) },
        });
      else
        sendHtml(
          res,
          page(
            'Local Stripe',
            `<p class="error" role="alert">${escapeHtml(e.message)}</p><p><a href="/">Back</a></p>`,
            e.status,
          ),
        );
    }
  });
  await listen(server, opts.port ?? 0, 'Local Stripe');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  // Sessions kept from an earlier run may have expired meanwhile.
  void expireDue();
  return {
    url: base,
    sessions,
    deliveries,
    ...api,
    async settled() {
      await Promise.all([...pending]);
    },
    stop: () =>
      new Promise<void>((resolve) => {
        clearInterval(sweep);
        for (const t of timers) clearTimeout(t);
        timers.clear();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
