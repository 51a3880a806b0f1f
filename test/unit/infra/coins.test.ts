/** The Coins construct in the platform stack: the Stripe webhook endpoint, the packs, and read access to the Stripe secret. */
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { DEFAULT_COIN_PACKS } from '../../../lambdas/shared/domain/coins';
import { FUNCTIONS } from '../../../lib/functions/catalog';
import { actionsOf, buildStack, CDK_CONTEXT, type Loose, useDevStack } from './stack';

const stack = useDevStack();
const t = stack.t;
const SECRET_ARN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':secretsmanager:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':secret:lvs-dev/stripe-??????',
    ],
  ],
};

describe('coins', () => {
  it('serves the Stripe webhook on a public HTTPS function URL (Stripe signs each delivery; the handler verifies it), output for operators', () => {
    t().hasResourceProperties('AWS::Lambda::Url', {
      AuthType: 'NONE',
      TargetFunctionArn: { 'Fn::GetAtt': [stack.fnId('stripe-webhook'), 'Arn'] },
    });
    t().hasResourceProperties('AWS::Lambda::Permission', {
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE',
      FunctionName: { 'Fn::GetAtt': [stack.fnId('stripe-webhook'), 'Arn'] },
    });
    t().hasOutput('StripeWebhookUrl', {
      Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionsStripeWebhookFunctionUrl'), 'FunctionUrl'] },
    });
    // Only the webhook is public: the checkout is an AppSync data source.
    const urls = Object.values(stack.resources('AWS::Lambda::Url')).map(
      (u) => u.Properties.TargetFunctionArn['Fn::GetAtt'][0],
    );
    expect(urls).not.toContain(stack.fnId('coin-checkout'));
  });

  it("gives both functions the packs and the secret's name, and the checkout the web URL to return to", () => {
    for (const name of ['coin-checkout', 'stripe-webhook']) {
      expect(stack.fnProps(name).Environment.Variables).toMatchObject({
        COIN_PACKS: JSON.stringify(DEFAULT_COIN_PACKS),
        STRIPE_SECRET_NAME: 'lvs-dev/stripe',
      });
      expect(stack.fnProps(name).Environment.Variables.STRIPE_API_URL).toBeUndefined();
    }
    expect(stack.fnProps('coin-checkout').Environment.Variables.WEB_URL).toBeDefined();
  });

  it('grants secretsmanager:GetSecretValue on exactly the named secret to exactly the two coin functions (least privilege)', () => {
    for (const name of ['coin-checkout', 'stripe-webhook']) {
      const statements = stack
        .policiesOf(name)
        .filter((s: Loose) => actionsOf([s]).some((a) => a.startsWith('secretsmanager:')));
      expect(statements).toEqual([{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: SECRET_ARN }]);
    }
    // The playback functions read (and write) their own secrets, the playback and replay keys
    // (playback-auth.test.ts, video.test.ts); the replay function signs with the replay key.
    for (const other of FUNCTIONS.map((f) => f.name).filter(
      (n) => !['coin-checkout', 'stripe-webhook', 'playback', 'playback-keys', 'replay'].includes(n),
    )) {
      expect(actionsOf(stack.policiesOf(other)).filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
    }
    // The stack never creates the Stripe secret: the keys never sit in a template. Its only secrets
    // are the signing keys the stack makes itself.
    expect(
      Object.values(stack.resources('AWS::SecretsManager::Secret'))
        .map((s) => s.Properties.Name)
        .sort(),
    ).toEqual(['lvs-dev-playback-key', 'lvs-dev-replay-key']);
  });

  it("the webhook writes the table only through its transaction's item kinds (no Delete, no Scan)", () => {
    const table = stack
      .policiesOf('stripe-webhook')
      .filter((s: Loose) => actionsOf([s]).some((a) => a.startsWith('dynamodb:')));
    expect(actionsOf(table).sort()).toEqual(['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']);
  });

  it('without a stripeSecretName the stack still deploys: no grant, no secret name, the shop says purchases are unavailable', () => {
    const stages = CDK_CONTEXT.stages as Record<string, Record<string, Loose>>;
    const built = buildStack('dev', { stages: { ...stages, dev: { ...stages.dev, coins: {} } } });
    const fns = Object.values(built.template.findResources('AWS::Lambda::Function')) as Loose[];
    const checkout = fns.find((f) => f.Properties.FunctionName === 'lvs-dev-coin-checkout');
    expect(checkout.Properties.Environment.Variables.STRIPE_SECRET_NAME).toBeUndefined();
    expect(checkout.Properties.Environment.Variables.COIN_PACKS).toBe(JSON.stringify(DEFAULT_COIN_PACKS));
    const policies = Object.values(built.template.findResources('AWS::IAM::Policy')) as Loose[];
    const secretGrants = policies
      .flatMap((p) => p.Properties.PolicyDocument.Statement as Loose[])
      .filter(
        (s) =>
          actionsOf([s]).some((a) => a.startsWith('secretsmanager:')) &&
          !JSON.stringify(s.Resource).includes('playback-key') &&
          !JSON.stringify(s.Resource).includes('replay-key'),
      );
    expect(secretGrants).toEqual([]);
    built.template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
    const report = new AwsSolutionsChecks(built.app).validateScope(built.stack);
    expect(report.violations.map((v) => v.ruleName)).toEqual([]);
  }, 120_000);
});
