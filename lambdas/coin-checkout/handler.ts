/**
 * Query.coinShop and Mutation.startCoinCheckout: the coin packs on sale, and a Stripe Checkout
 * Session for one of them. The session carries the buyer and the pack (client_reference_id and
 * metadata, copied onto the PaymentIntent so refunds and disputes name them too); the checkout item
 * `CHECKOUT#<sessionId>` (OPEN) is what the webhook later turns PAID exactly once.
 */
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { ddb } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import { DomainError, toAppSyncResult } from '../shared/errors';
import { cognitoCaller, type AppSyncInvokeEvent } from '../shared/appsync-event';
import { observability } from '../shared/logger';
import { coinPacks, stripeClient, stripeSecret, StripeUnavailableError } from '../shared/stripe';
import { findPack, type CoinPack } from '../shared/domain/coins';
import { checkoutKey, coinPurchaseIndexKey } from '../shared/domain/keys';

const { logger } = observability('coin-checkout');

/** What the shop shows: the packs, and whether they can be bought now (with the reason when not). */
export interface CoinShop {
  available: boolean;
  reason: string | null;
  packs: readonly CoinPack[];
}

/** Where the buyer pays (Stripe's hosted page, or the local stand-in's). */
export interface CheckoutSessionView {
  sessionId: string;
  url: string;
}

export async function coinShop(): Promise<CoinShop> {
  const packs = coinPacks();
  try {
    await stripeSecret();
    return { available: true, reason: null, packs };
  } catch (error) {
    if (!(error instanceof StripeUnavailableError)) throw error;
    logger.warn('coin shop unavailable', { detail: error.detail });
    return { available: false, reason: error.reason, packs };
  }
}

const packIdSchema = z.string().trim().min(1).max(40);

/** Opens a Stripe Checkout Session for `packId` and records it OPEN. */
export async function startCoinCheckout(
  userId: string,
  email: string | undefined,
  packIdArg: unknown,
  now = new Date(),
): Promise<CheckoutSessionView> {
  const packId = packIdSchema.safeParse(packIdArg);
  const pack = packId.success ? findPack(coinPacks(), packId.data) : undefined;
  if (!pack)
    throw new DomainError('VALIDATION', 'That coin pack is not on sale; pick one from the shop.', { field: 'packId' });
  let secret;
  try {
    secret = await stripeSecret();
  } catch (error) {
    if (!(error instanceof StripeUnavailableError)) throw error;
    logger.warn('checkout refused: Stripe unavailable', { detail: error.detail });
    throw new DomainError('PAYMENTS_UNAVAILABLE', error.reason);
  }
  const web = requireEnv(ENV.WEB_URL).replace(/\/$/, '');
  const metadata = { userId, packId: pack.id, platform: requireEnv(ENV.RESOURCE_TAG) };
  let session;
  try {
    session = await stripeClient(secret.apiKey).checkout.sessions.create({
      mode: 'payment',
      line_items: [
        {
          quantity: 1,
          price_data: {
            currency: pack.currency.toLowerCase(),
            unit_amount: pack.amount,
            product_data: { name: pack.label },
          },
        },
      ],
      client_reference_id: userId,
      metadata,
      payment_intent_data: { metadata },
      ...(email ? { customer_email: email } : {}),
      success_url: `${web}/wallet?checkout={CHECKOUT_SESSION_ID}`,
      cancel_url: `${web}/wallet?checkout=cancelled`,
    });
  } catch (error) {
    logger.error('Stripe refused the checkout session', { error: error as Error, packId: pack.id });
    throw new DomainError(
      'PAYMENTS_UNAVAILABLE',
      'The payment provider did not open a checkout; please try again in a moment.',
    );
  }
  if (!session.url) throw new Error(`Stripe returned checkout session ${session.id} without a URL`);
  const createdAt = now.toISOString();
  await ddb.send(
    new PutCommand({
      TableName: requireEnv(ENV.TABLE_NAME),
      Item: {
        ...checkoutKey(session.id),
        ...coinPurchaseIndexKey(userId, createdAt, session.id),
        type: 'CoinCheckout',
        sessionId: session.id,
        userId,
        packId: pack.id,
        coins: pack.coins,
        amount: pack.amount,
        currency: pack.currency,
        status: 'OPEN',
        createdAt,
      },
      // The webhook may already have recorded the session (a completion can only follow this put in
      // practice, but a retried call must never turn a PAID checkout back to OPEN).
      ConditionExpression: 'attribute_not_exists(PK)',
    }),
  );
  logger.info('checkout opened', { sessionId: session.id, packId: pack.id });
  return { sessionId: session.id, url: session.url };
}

export async function handler(event: AppSyncInvokeEvent<{ packId?: unknown }>) {
  return toAppSyncResult(
    async () => {
      const caller = cognitoCaller(event.identity);
      if (event.info.fieldName === 'startCoinCheckout')
        return startCoinCheckout(caller.userId, caller.email, event.arguments.packId);
      return coinShop();
    },
    (error) => logger.error('coin checkout failed', { error: error as Error }),
  );
}
