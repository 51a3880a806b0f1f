import { RemovalPolicy } from 'aws-cdk-lib';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

export interface AlertsProps {
  readonly prefix: string;
  readonly removalPolicy: RemovalPolicy;
  readonly sender: string;
}

/** Go-live alerts: a KMS-encrypted SNS topic; followers subscribe with a filter policy on `streamerId`. */
export class Alerts extends Construct {
  readonly topic: Topic;
  readonly key: Key;

  constructor(scope: Construct, id: string, props: AlertsProps) {
    super(scope, id);
    this.key = new Key(this, 'TopicKey', {
      description: `${props.prefix} go-live alerts topic key`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    this.topic = new Topic(this, 'GoLiveTopic', {
      topicName: `${props.prefix}-go-live`,
      displayName: `Go live alerts (${props.sender})`,
      masterKey: this.key,
      enforceSSL: true,
    });
    // SNS must use the key to deliver to subscriptions.
    this.key.grantEncryptDecrypt(new ServicePrincipal('sns.amazonaws.com'));
  }
}
