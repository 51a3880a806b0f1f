/** The Auth construct in the platform stack: user pool, web client, identity pool, Cognito triggers. */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { buildStack, actionsOf, useDevStack } from './stack';
import { USER_WRITABLE_ATTRIBUTES } from '../../../lambdas/shared/domain/claims';

const stack = useDevStack();
const t = stack.t;
const resources = stack.resources;
const only = stack.only;
const policiesOf = stack.policiesOf;

describe('auth', () => {
  it('has an email sign-in user pool with handle, strong passwords, verification and a web client with SRP and password auth', () => {
    t().hasResourceProperties('AWS::Cognito::UserPool', {
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      Policies: {
        PasswordPolicy: Match.objectLike({
          MinimumLength: 12,
          RequireSymbols: true,
          RequireNumbers: true,
          RequireUppercase: true,
          RequireLowercase: true,
        }),
      },
      Schema: Match.arrayWith([Match.objectLike({ Name: 'email', Required: true })]),
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      LambdaConfig: { PostConfirmation: Match.anyValue() },
    });
    t().hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([Match.objectLike({ Name: 'preferred_username', Required: true })]),
    });
    t().hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH']),
      GenerateSecret: false,
    });
    t().hasResourceProperties('AWS::Cognito::IdentityPool', { AllowUnauthenticatedIdentities: true });
  });

  it('has the admins group whose members decide payouts and tiers (cognito:groups → identity.groups)', () => {
    t().hasResourceProperties('AWS::Cognito::UserPoolGroup', {
      GroupName: 'admins',
      UserPoolId: { Ref: Match.stringLikeRegexp('UserPool') },
    });
  });

  it("dev keeps Cognito's default sender; prod sends codes through the stage's SES identity", () => {
    // No EmailConfiguration = COGNITO_DEFAULT.
    expect(only('AWS::Cognito::UserPool').Properties.EmailConfiguration).toBeUndefined();
    const prod = buildStack('prod');
    prod.template.hasResourceProperties('AWS::Cognito::UserPool', {
      EmailConfiguration: {
        EmailSendingAccount: 'DEVELOPER',
        From: 'Live Shop <alerts@example.com>',
        SourceArn: {
          'Fn::Join': [
            '',
            [
              'arn:',
              { Ref: 'AWS::Partition' },
              ':ses:',
              { Ref: 'AWS::Region' },
              ':',
              { Ref: 'AWS::AccountId' },
              ':identity/example.com',
            ],
          ],
        },
      },
    });
    // The go-live emails of the stage send from the same identity.
    prod.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'ses:SendBulkEmail',
            Resource: Match.arrayWith([
              {
                'Fn::Join': [
                  '',
                  [
                    'arn:',
                    { Ref: 'AWS::Partition' },
                    ':ses:',
                    { Ref: 'AWS::Region' },
                    ':',
                    { Ref: 'AWS::AccountId' },
                    ':identity/example.com',
                  ],
                ],
              },
            ]),
          }),
        ]),
      },
    });
  });

  it('runs only the fast account function at sign-up and token issue, and lets users write only email and the sign-up handle', () => {
    const fnId = (name: string) =>
      Object.entries(resources('AWS::Lambda::Function')).find(
        ([, r]) => r.Properties.FunctionName === `lvs-dev-${name}`,
      )?.[0];
    const account = { 'Fn::GetAtt': [fnId('account'), 'Arn'] };
    t().hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: { PostConfirmation: account, PreTokenGeneration: account },
    });
    t().hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'lvs-dev-account', Timeout: 5 });
    // Sorted as CDK writes them; never custom:role.
    t().hasResourceProperties('AWS::Cognito::UserPoolClient', {
      WriteAttributes: [...USER_WRITABLE_ATTRIBUTES].sort(),
    });
    expect(actionsOf(policiesOf('account')).filter((a) => a.startsWith('ivs'))).toEqual([]);
  });
});
