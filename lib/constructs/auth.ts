import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  AccountRecovery,
  ClientAttributes,
  FeaturePlan,
  Mfa,
  StandardThreatProtectionMode,
  StringAttribute,
  UserPool,
  UserPoolClient,
  UserPoolGroup,
  UserPoolOperation,
  VerificationEmailStyle,
  type UserPoolEmail,
} from 'aws-cdk-lib/aws-cognito';
import { IdentityPool, UserPoolAuthenticationProvider } from 'aws-cdk-lib/aws-cognito-identitypool';
import type { Function as LambdaFunction, IFunction } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { ADMINS_GROUP } from '../../lambdas/shared/domain/economy';
import { ENV } from '../../lambdas/shared/env';

export interface AuthProps {
  /** Prefix of the pool, client and identity pool names. */
  readonly prefix: string;
  /** What deleting the stack does to the user pool; RETAIN also turns on its deletion protection. */
  readonly removalPolicy: RemovalPolicy;
  /**
   * Runs after a user confirms sign-up: fast DynamoDB work only (claims the handle); channels are
   * created later, from the Studio (provision-streamer).
   * @default no trigger
   */
  readonly postConfirmation?: IFunction;
  /**
   * How the pool sends codes (sign-up, password reset).
   * @default Cognito's default sender (no-reply@verificationemail.com, 50 emails a day per account and region)
   */
  readonly email?: UserPoolEmail;
  /**
   * Runs before Cognito issues tokens: stamps the platform-owned handle as the `handle` claim.
   * @default no trigger
   */
  readonly preTokenGeneration?: IFunction;
}

/**
 * Sign-in for streamers and viewers: a user pool (email sign-in, unique `preferred_username`
 * handle, strong passwords, self sign-up with email verification), the web app's client, and an
 * identity pool whose guest role lets signed-out visitors read public data through IAM.
 */
export class Auth extends Construct {
  readonly userPool: UserPool;
  readonly client: UserPoolClient;
  readonly identityPool: IdentityPool;
  /**
   * Platform admins (payout decisions, broadcaster tiers, later moderation): members carry the
   * group in `cognito:groups`, which resolvers read as `ctx.identity.groups`. Membership is given
   * by an operator (docs/economy.md), never by the app.
   */
  readonly adminsGroup: UserPoolGroup;

  constructor(scope: Construct, id: string, props: AuthProps) {
    super(scope, id);
    this.userPool = new UserPool(this, 'UserPool', {
      userPoolName: `${props.prefix}-users`,
      selfSignUpEnabled: true,
      // Sign-in is by email; the handle (`preferred_username` at sign-up) is unique through the
      // platform's conditional HANDLE item (the account function), since Cognito enforces uniqueness only for sign-in aliases.
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      keepOriginal: { email: true },
      standardAttributes: {
        email: { required: true, mutable: true },
        preferredUsername: { required: true, mutable: true },
      },
      customAttributes: { role: new StringAttribute({ mutable: true, minLen: 1, maxLen: 20 }) },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      mfa: Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      userVerification: { emailStyle: VerificationEmailStyle.CODE },
      accountRecovery: AccountRecovery.EMAIL_ONLY,
      email: props.email,
      featurePlan: FeaturePlan.PLUS,
      standardThreatProtectionMode: StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: props.removalPolicy === RemovalPolicy.RETAIN,
      removalPolicy: props.removalPolicy,
    });
    if (props.postConfirmation) this.userPool.addTrigger(UserPoolOperation.POST_CONFIRMATION, props.postConfirmation);
    if (props.preTokenGeneration)
      this.userPool.addTrigger(UserPoolOperation.PRE_TOKEN_GENERATION, props.preTokenGeneration);
    this.client = this.userPool.addClient('WebClient', {
      userPoolClientName: `${props.prefix}-web`,
      authFlows: { userSrp: true, userPassword: true },
      // The web app signs in with SRP/password against the user pool (no hosted UI): no OAuth flows,
      // so neither the implicit flow nor a placeholder callback URL is left on the client.
      disableOAuth: true,
      preventUserExistenceErrors: true,
      // USER_WRITABLE_ATTRIBUTES (the local Cognito enforces the same list): not custom:role.
      // preferred_username stays writable because Cognito requires app clients to write required
      // attributes (sign-up); the platform never trusts it: the handle shown anywhere is the
      // account item's (`handle` claim).
      writeAttributes: new ClientAttributes().withStandardAttributes({ email: true, preferredUsername: true }),
      generateSecret: false,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(30),
    });
    this.adminsGroup = this.userPool.addGroup('AdminsGroup', {
      groupName: ADMINS_GROUP,
      description: 'Platform admins: decide payouts, set broadcaster tiers.',
    });
    this.identityPool = new IdentityPool(this, 'IdentityPool', {
      identityPoolName: `${props.prefix}-identities`,
      allowUnauthenticatedIdentities: true,
      authenticationProviders: {
        userPools: [new UserPoolAuthenticationProvider({ userPool: this.userPool, userPoolClient: this.client })],
      },
    });
  }

  /**
   * Lets `fn` hold a banned account out (docs/safety.md, "Bans"): sign it out everywhere, disable
   * it, enable it again when the ban is lifted; on this pool only, whose id `fn` is given.
   */
  grantAccountControl(fn: LambdaFunction): void {
    this.userPool.grant(
      fn,
      'cognito-idp:AdminUserGlobalSignOut',
      'cognito-idp:AdminDisableUser',
      'cognito-idp:AdminEnableUser',
    );
    fn.addEnvironment(ENV.USER_POOL_ID, this.userPool.userPoolId);
  }
}
