/**
 * Stripe's webhook endpoint, behind a Lambda function URL. Every delivery is verified first: the
 * `Stripe-Signature` header against the raw body and the endpoint secret from Secrets Manager
 * (`stripe.webhooks.constructEvent`, 5-minute timestamp tolerance); a bad signature or a stale
 * timestamp is a 400 and changes nothing. Then:
 * - `checkout.session.completed` / `checkout.session.async_payment_succeeded` (paid): credits the
 *   pack's coins once per session;
 * - `checkout.session.completed` still unpaid (a delayed payment method: a bank debit): marks the
 *   checkout PROCESSING, credits nothing until `async_payment_succeeded`;
 * - `checkout.session.expired` / `checkout.session.async_payment_failed`: closes the open checkout
 *   (EXPIRED / FAILED), credits nothing;
 * - `charge.refunded` and `charge.dispute.created`: take the coins back, the shortfall as debt.
 * Stripe delivers at least once and in no particular order; coin-ledger.ts makes every delivery
 * order-independent and applied once. A 5xx makes Stripe deliver again later (it retries for days).
 */
import type { LambdaFunctionURLEvent, LambdaFunctionURLResult } from 'aws-lambda';
import Stripe from 'stripe';
import { z } from 'zod';
import { ENV, requireEnv } from '../shared/env';
import { observability } from '../shared/logger';
import { coinPacks, stripeSecret, StripeUnavailableError } from '../shared/stripe';
import { closeCheckout, creditCheckout, markProcessing, reverseCoins, type Outcome } from './coin-ledger';

const { logger } = observability('stripe-webhook');

/** Stripe's default: a signature older (or newer) than this many seconds is refused as a replay. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

type UrlResponse = Exclude<LambdaFunctionURLResult, string>;

const json = (statusCode: number, body: Record<string, unknown>): UrlResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(body),
});

const metadataSchema = z.record(z.string(), z.string()).nullish();

const sessionSchema = z.object({
  id: z.string().startsWith('cs_'),
  payment_status: z.string(),
  payment_intent: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
  client_reference_id: z.string().nullish(),
  amount_total: z.number().int().nullish(),
  currency: z.string().nullish(),
  metadata: metadataSchema,
});

const chargeSchema = z.object({
  id: z.string(),
  amount: z.number().int().nonnegative(),
  amount_refunded: z.number().int().nonnegative(),
  currency: z.string(),
  payment_intent: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
  metadata: metadataSchema,
});

const disputeSchema = z.object({
  id: z.string(),
  amount: z.number().int().nonnegative(),
  currency: z.string(),
  charge: z.union([z.string(), z.object({ id: z.string(), amount: z.number().int() })]),
  payment_intent: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
});

const idOf = (v: string | { id: string } | null | undefined): string | null =>
  v == null ? null : typeof v === 'string' ? v : v.id;

/** Whether an object's metadata names another deployment (several stages may share one Stripe account). */
function foreign(metadata: Record<string, string> | null | undefined): boolean {
  const platform = metadata?.platform;
  return platform !== undefined && platform !== requireEnv(ENV.RESOURCE_TAG);
}

/** Applies one verified event. */
export async function applyEvent(event: Stripe.Event): Promise<Outcome> {
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const s = sessionSchema.parse(event.data.object);
      if (foreign(s.metadata)) return { status: 'IGNORED', reason: "another platform's session" };
      // Delayed payment methods complete the session unpaid; async_payment_succeeded (or _failed) follows.
      if (s.payment_status !== 'paid' && s.payment_status !== 'no_payment_required') {
        if (event.type === 'checkout.session.completed' && s.payment_status === 'unpaid')
          return markProcessing(s.id, idOf(s.payment_intent));
        return { status: 'IGNORED', reason: `payment ${s.payment_status}` };
      }
      return creditCheckout(
        {
          sessionId: s.id,
          paymentIntentId: idOf(s.payment_intent),
          userId: s.metadata?.userId ?? s.client_reference_id ?? null,
          packId: s.metadata?.packId ?? null,
          amountTotal: s.amount_total ?? null,
          currency: s.currency ?? null,
        },
        coinPacks(),
      );
    }
    case 'checkout.session.expired':
    case 'checkout.session.async_payment_failed': {
      const s = sessionSchema.parse(event.data.object);
      if (foreign(s.metadata)) return { status: 'IGNORED', reason: "another platform's session" };
      return closeCheckout(s.id, event.type === 'checkout.session.expired' ? 'EXPIRED' : 'FAILED');
    }
    case 'charge.refunded': {
      const c = chargeSchema.parse(event.data.object);
      const pi = idOf(c.payment_intent);
      if (!pi || foreign(c.metadata)) return { status: 'IGNORED', reason: 'not a coin payment' };
      return reverseCoins({
        paymentIntentId: pi,
        chargeAmount: c.amount,
        currency: c.currency,
        refunded: c.amount_refunded,
      });
    }
    case 'charge.dispute.created': {
      const d = disputeSchema.parse(event.data.object);
      const pi = idOf(d.payment_intent);
      if (!pi) return { status: 'IGNORED', reason: 'dispute without a payment intent' };
      const chargeAmount = typeof d.charge === 'object' ? d.charge.amount : d.amount;
      return reverseCoins({ paymentIntentId: pi, chargeAmount, currency: d.currency, disputed: d.amount });
    }
    default:
      return { status: 'IGNORED', reason: `event type ${event.type}` };
  }
}

/** Verifies the signature with the cached endpoint secret, and once more with a fresh read if the secret was rolled. */
async function verify(body: string, signature: string): Promise<Stripe.Event> {
  const first = await stripeSecret();
  try {
    return Stripe.webhooks.constructEvent(body, signature, first.webhookSecret, SIGNATURE_TOLERANCE_SECONDS);
  } catch (error) {
    const fresh = await stripeSecret(0);
    if (fresh.webhookSecret === first.webhookSecret) throw error;
    return Stripe.webhooks.constructEvent(body, signature, fresh.webhookSecret, SIGNATURE_TOLERANCE_SECONDS);
  }
}

/** Function URL target. */
export async function handler(event: LambdaFunctionURLEvent): Promise<UrlResponse> {
  if (event.requestContext.http.method !== 'POST')
    return { ...json(405, { error: 'Stripe delivers webhooks with POST.' }), headers: { allow: 'POST' } };
  const signature = event.headers?.['stripe-signature'];
  if (!signature) return json(400, { error: 'Missing Stripe-Signature header.' });
  // The signature covers the exact bytes Stripe sent.
  const body = event.isBase64Encoded ? Buffer.from(event.body ?? '', 'base64').toString('utf8') : (event.body ?? '');
  let verified: Stripe.Event;
  try {
    verified = await verify(body, signature);
  } catch (error) {
    if (error instanceof StripeUnavailableError) {
      logger.error('webhook secret unavailable', { detail: error.detail });
      return json(503, { error: 'The webhook secret cannot be read; Stripe will deliver again.' });
    }
    logger.warn('webhook signature refused', { reason: (error as Error).message });
    return json(400, {
      error: 'The Stripe-Signature header does not verify (wrong secret, altered body or stale timestamp).',
    });
  }
  try {
    const outcome = await applyEvent(verified);
    logger.info('webhook event', { eventId: verified.id, type: verified.type, ...outcome });
    return json(200, { received: true, outcome: outcome.status });
  } catch (error) {
    if (error instanceof z.ZodError) {
      // A verified event we cannot read will not read better on a retry: acknowledge it, loudly.
      logger.error('webhook event not understood', {
        eventId: verified.id,
        type: verified.type,
        issues: error.issues.slice(0, 3),
      });
      return json(200, { received: true, outcome: 'UNREADABLE' });
    }
    logger.error('webhook event failed', { eventId: verified.id, type: verified.type, error: error as Error });
    return json(500, { error: 'The event could not be applied; Stripe will deliver it again.' });
  }
}
