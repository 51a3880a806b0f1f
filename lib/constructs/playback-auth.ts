import { ArnFormat, CustomResource, type RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Grant } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/shared/env';
import { createdWithTag, grantOn, runtimeArns, taggedBy } from './runtime-resources';

export interface PlaybackAuthProps {
  /** Prefix of physical names, and the `platform` tag value of the key pair. */
  readonly prefix: string;
  /** What deleting the stack does to the secret holding the private key. */
  readonly removalPolicy: RemovalPolicy;
  /** playback-keys: the custom resource handler that generates the key and imports its public half. */
  readonly keysHandler: LambdaFunction;
}

/**
 * IVS playback authorization (docs/safety.md): the secret holding the P-384 private key that signs
 * playback tokens, and the stage's IVS playback key pair, imported by a custom resource (IVS has
 * no key generation and CloudFormation's AWS::IVS::PlaybackKeyPair needs the public key at deploy
 * time, which would put key material in the template). The key never leaves Secrets Manager and
 * the functions that need it.
 */
export class PlaybackAuth extends Construct {
  readonly secret: Secret;
  /** The ARN of the imported playback key pair. */
  readonly keyPairArn: string;
  /** The keys provider's service token: the replay signing key (Video.signReplays) is made by the same handler. */
  readonly serviceToken: string;
  private readonly secretName: string;

  constructor(scope: Construct, id: string, props: PlaybackAuthProps) {
    super(scope, id);
    this.secretName = `${props.prefix}-playback-key`;
    // Created with a random string; the custom resource replaces it with the key on its first run.
    this.secret = new Secret(this, 'PrivateKey', {
      secretName: this.secretName,
      description:
        'IVS playback authorization: the ES384 private key that signs playback tokens, and its key pair ARN (written by the playback-keys custom resource).',
      removalPolicy: props.removalPolicy,
    });
    const handler = props.keysHandler;
    this.bindSecret(handler, ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue']);
    const keyPairs = runtimeArns(this, 'ivs', 'playback-key');
    grantOn(handler, ['ivs:ImportPlaybackKeyPair', 'ivs:TagResource'], keyPairs, createdWithTag(props.prefix));
    grantOn(handler, ['ivs:GetPlaybackKeyPair', 'ivs:DeletePlaybackKeyPair'], keyPairs, taggedBy(props.prefix));
    // ListPlaybackKeyPairs is authorized on the playback-key resource type, with no tag to check.
    grantOn(handler, ['ivs:ListPlaybackKeyPairs'], keyPairs);

    const provider = new Provider(this, 'KeyPairProvider', { onEventHandler: handler });
    this.serviceToken = provider.serviceToken;
    const keyPair = new CustomResource(this, 'KeyPair', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::IvsPlaybackKeyPair',
      properties: { Secret: this.secretName, Tag: props.prefix },
    });
    keyPair.node.addDependency(this.secret);
    this.keyPairArn = keyPair.getAttString('KeyPairArn');
  }

  /** Lets `fn` (playback) read the private key to sign playback tokens for pages of `origins`. */
  grantTokenSigning(fn: LambdaFunction, origins: string[]): void {
    this.bindSecret(fn, ['secretsmanager:GetSecretValue']);
    fn.addEnvironment(ENV.PLAYBACK_ORIGINS, origins.join(','));
  }

  /** Lets `fn` (playback) set channels' `authorized` flag (tagged channels of this stage only). */
  grantChannelAuthorization(fn: LambdaFunction, prefix: string): void {
    grantOn(fn, ['ivs:GetChannel', 'ivs:UpdateChannel'], runtimeArns(this, 'ivs', 'channel'), taggedBy(prefix));
  }

  private bindSecret(fn: LambdaFunction, actions: string[]): void {
    fn.addEnvironment(ENV.PLAYBACK_KEY_SECRET, this.secretName);
    grantSecretByName(this, fn, this.secretName, actions);
  }
}

/**
 * Grants `actions` on the secret named `secretName` (which `fn` finds by that name in its
 * environment): the ARN ends in Secrets Manager's random 6-character suffix, matched by `??????`,
 * so the grant reads the same in AWS and in the local mode's IAM.
 */
export function grantSecretByName(scope: Construct, fn: LambdaFunction, secretName: string, actions: string[]): void {
  const arn = Stack.of(scope).formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${secretName}-??????`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  Grant.addToPrincipal({ grantee: fn, actions, resourceArns: [arn] });
}
