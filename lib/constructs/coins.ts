import { Grant } from 'aws-cdk-lib/aws-iam';
import { FunctionUrlAuthType, type Function as LambdaFunction, type FunctionUrl } from 'aws-cdk-lib/aws-lambda';
import { Secret, type ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { CoinsConfig } from '../../lambdas/shared/domain/coins';
import { ENV } from '../../lambdas/shared/env';

export interface CoinsProps {
  /** The stage's coin packs and the name of the secret holding the Stripe keys. */
  readonly config: CoinsConfig;
  /** coin-checkout: the shop and Stripe Checkout Sessions (AppSync Lambda data source). */
  readonly checkout: LambdaFunction;
  /** stripe-webhook: served on a public function URL that Stripe delivers events to. */
  readonly webhook: LambdaFunction;
}

/**
 * Coins bought with Stripe: the webhook's HTTPS endpoint (a function URL, auth NONE: Stripe signs
 * each delivery with the endpoint secret and the handler verifies the signature, the only
 * authentication Stripe offers), the packs in both functions' environment, and read access to the
 * operator's Stripe secret. The secret is created by the operator (docs/deploy.md), never by the
 * stack, so no key ever sits in a template; without `stripeSecretName` the stack deploys all the
 * same and the shop says purchases are unavailable.
 */
export class Coins extends Construct {
  readonly webhookUrl: FunctionUrl;
  /** The operator's secret, when the stage names one. */
  readonly secret?: ISecret;

  constructor(scope: Construct, id: string, props: CoinsProps) {
    super(scope, id);
    this.webhookUrl = props.webhook.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    const packs = JSON.stringify(props.config.packs);
    for (const fn of [props.checkout, props.webhook]) fn.addEnvironment(ENV.COIN_PACKS, packs);

    const name = props.config.stripeSecretName;
    if (!name) return;
    this.secret = Secret.fromSecretNameV2(this, 'StripeSecret', name);
    // A secret's ARN ends in a random 6-character suffix; a secret imported by name only knows the
    // part before it, so the grant matches the suffix, as the construct's own grants do.
    const secretArn = `${this.secret.secretArn}-??????`;
    for (const fn of [props.checkout, props.webhook]) {
      fn.addEnvironment(ENV.STRIPE_SECRET_NAME, name);
      // GetSecretValue only: secret.grantRead() would add DescribeSecret, which neither function calls.
      Grant.addToPrincipal({ grantee: fn, actions: ['secretsmanager:GetSecretValue'], resourceArns: [secretArn] });
    }
  }
}
