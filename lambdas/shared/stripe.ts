/**
 * Stripe for the coin functions (coin-checkout, stripe-webhook): the keys from Secrets Manager,
 * cached per execution environment, and a Stripe client per API key. The API base comes from
 * STRIPE_API_URL when set (the local Stripe stand-in), as the AWS SDK clients take theirs from
 * AWS_ENDPOINT_URL_<SERVICE>: the same code path in both places.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import Stripe from 'stripe';
import { ENV, optionalEnv, requireEnv } from './env';
import { coinPacksSchema, stripeSecretSchema, type CoinPack, type StripeSecret } from './domain/coins';

export const secretsManager = new SecretsManagerClient({});

/** How long a read secret is used before it is read again (a rotated key takes effect within this). */
export const SECRET_MAX_AGE_MS = 5 * 60_000;

/** Why Stripe cannot be used, in a sentence for the shop (the details go to the log). */
export class StripeUnavailableError extends Error {
  constructor(
    readonly reason: string,
    readonly detail: string,
  ) {
    super(reason);
    this.name = 'StripeUnavailableError';
  }
}

let cached: { value: StripeSecret; readAt: number } | undefined;

/**
 * The Stripe keys. `maxAgeMs` 0 forces a fresh read (the webhook does so once when a signature does
 * not verify, in case the endpoint secret was rolled). Throws StripeUnavailableError when no secret
 * is configured, it cannot be read, or it does not hold both keys.
 */
export async function stripeSecret(maxAgeMs = SECRET_MAX_AGE_MS, now = Date.now()): Promise<StripeSecret> {
  const name = optionalEnv(ENV.STRIPE_SECRET_NAME);
  if (!name)
    throw new StripeUnavailableError(
      'Coin purchases are not available yet: the platform has no payment provider configured.',
      'no STRIPE_SECRET_NAME',
    );
  if (cached && now - cached.readAt < maxAgeMs) return cached.value;
  let raw: string | undefined;
  try {
    raw = (await secretsManager.send(new GetSecretValueCommand({ SecretId: name }))).SecretString;
  } catch (error) {
    throw new StripeUnavailableError(
      'Coin purchases are unavailable right now: the payment provider cannot be reached. Please try again later.',
      `${(error as Error).name}: ${(error as Error).message}`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(raw ?? '');
  } catch {
    json = undefined;
  }
  const parsed = stripeSecretSchema.safeParse(json);
  if (!parsed.success) {
    // Never log the value: it holds the keys.
    throw new StripeUnavailableError(
      'Coin purchases are unavailable right now: the payment provider is not set up correctly.',
      `secret ${name} is not JSON with apiKey and webhookSecret`,
    );
  }
  cached = { value: parsed.data, readAt: now };
  return parsed.data;
}

/** Forgets the cached keys (tests). */
export function forgetStripeSecret(): void {
  cached = undefined;
  clients.clear();
}

const clients = new Map<string, Stripe>();

/** The Stripe client for `apiKey`, on STRIPE_API_URL when set. */
export function stripeClient(apiKey: string): Stripe {
  let client = clients.get(apiKey);
  if (!client) {
    const base = optionalEnv(ENV.STRIPE_API_URL);
    const url = base ? new URL(base) : undefined;
    client = new Stripe(apiKey, {
      maxNetworkRetries: 2,
      timeout: 8_000,
      ...(url
        ? {
            host: url.hostname,
            port: url.port || (url.protocol === 'http:' ? 80 : 443),
            protocol: url.protocol === 'http:' ? ('http' as const) : ('https' as const),
          }
        : {}),
    });
    clients.set(apiKey, client);
  }
  return client;
}

let packs: readonly CoinPack[] | undefined;

/** The packs on sale (COIN_PACKS, validated once). */
export function coinPacks(): readonly CoinPack[] {
  packs ??= coinPacksSchema.parse(JSON.parse(requireEnv(ENV.COIN_PACKS)));
  return packs;
}
