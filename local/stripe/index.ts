/**
 * Coins in the local mode: the local Secrets Manager holding the Stripe keys under the dev stage's
 * secret name (so the IAM-enforcing mode checks the same grant the stack makes), the stripe-webhook
 * function URL, and the local Stripe. The keys are made once per data directory and kept, so a
 * restarted platform (and the handlers' cached secret) keeps them. The functions' environment
 * points the same code at these: AWS_ENDPOINT_URL_SECRETS_MANAGER and STRIPE_API_URL.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadStageConfig } from '../../lib/config';
import type { CoinsConfig, StripeSecret } from '../../lambdas/shared/domain/coins';
import { startFunctionUrl } from '../lambda/function-url';
import type { Authorizer } from '../iam/evaluator';
import { startLocalSecretsManager } from '../secretsmanager/index';
import { startLocalStripe, type LocalStripe } from './server';

export { startLocalStripe, type LocalStripe } from './server';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** The dev stage's `coins` config (cdk.json), the one the local mode sells. */
export function localCoinsConfig(): CoinsConfig & { stripeSecretName: string } {
  const context = (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> })
    .context;
  const { coins } = loadStageConfig((key) => (key === 'stage' ? 'dev' : context[key]));
  return { ...coins, stripeSecretName: coins.stripeSecretName ?? 'local/stripe' };
}

/** Test-mode keys of this data directory (made on first use). */
export function localStripeKeys(dir: string): StripeSecret {
  const file = join(dir, 'keys.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as StripeSecret;
  mkdirSync(dir, { recursive: true });
  const keys = {
    apiKey: `sk_test_local${randomBytes(16).toString('hex')}`,
    webhookSecret: `whsec_${randomBytes(24).toString('hex')}`,
  };
  writeFileSync(file, JSON.stringify(keys, null, 2), { mode: 0o600 });
  return keys;
}

export interface LocalCoinsOptions {
  dataDir: string;
  invoke: (name: string, event: unknown) => Promise<unknown>;
  ports: { stripe: number; stripeWebhook: number; secretsmanager: number };
  iam?: Authorizer;
  log?: (line: string) => void;
  /** Further secrets the local Secrets Manager holds from the start (name → SecretString). */
  secrets?: Record<string, string>;
}

export interface LocalCoins {
  stripe: LocalStripe;
  /** Environment for the Lambda runner. */
  env: Record<string, string>;
  endpoints: { stripeUrl: string; stripeWebhookUrl: string; secretsManagerUrl: string };
  stop(): Promise<void>;
}

/** Starts the local Secrets Manager, the webhook's function URL and the local Stripe. */
export async function startLocalCoins(opts: LocalCoinsOptions): Promise<LocalCoins> {
  const config = localCoinsConfig();
  const dir = join(opts.dataDir, 'stripe');
  const keys = localStripeKeys(dir);
  const stops: (() => Promise<void>)[] = [];
  try {
    const secrets = await startLocalSecretsManager({
      port: opts.ports.secretsmanager,
      iam: opts.iam,
      secrets: { [config.stripeSecretName]: JSON.stringify(keys), ...opts.secrets },
    });
    stops.push(() => secrets.stop());
    const webhook = await startFunctionUrl(opts.invoke, 'stripe-webhook', opts.ports.stripeWebhook);
    stops.push(() => webhook.stop());
    const stripe = await startLocalStripe({
      ...keys,
      webhookUrl: webhook.url,
      dataDir: dir,
      port: opts.ports.stripe,
      log: opts.log,
    });
    stops.push(() => stripe.stop());
    return {
      stripe,
      env: {
        AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
        STRIPE_SECRET_NAME: config.stripeSecretName,
        STRIPE_API_URL: stripe.url,
        COIN_PACKS: JSON.stringify(config.packs),
      },
      endpoints: { stripeUrl: stripe.url, stripeWebhookUrl: webhook.url, secretsManagerUrl: secrets.url },
      async stop() {
        for (const stop of stops.reverse()) await stop();
      },
    };
  } catch (error) {
    for (const stop of stops.reverse()) await stop();
    throw error;
  }
}
