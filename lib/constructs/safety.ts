import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Rule, RuleTargetInput, type IEventBus } from 'aws-cdk-lib/aws-events';
import { SnsTopic } from 'aws-cdk-lib/aws-events-targets';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { SAFETY_ALERT_EVENT } from '../../lambdas/shared/domain/safety';
import { ENV } from '../../lambdas/shared/env';

export interface SafetyProps {
  /** Prefix of every physical name, e.g. `lvs-dev`. */
  readonly prefix: string;
  /** What deleting the stack does to the topic's key. */
  readonly removalPolicy: RemovalPolicy;
  /** The bus the safety function puts its alert events on (the stack's jobs bus). */
  readonly bus: IEventBus;
  /** Distinct reporters of a live stream that suspend it, and the window in minutes (stage config). */
  readonly autoSuspend: { readonly reports: number; readonly windowMinutes: number };
  /**
   * Address subscribed (e-mail) to the admins' topic; SNS sends it a confirmation link first.
   * @default - no subscription (subscribe later, e.g. a chat webhook through SNS)
   */
  readonly adminEmail?: string;
}

/**
 * Trust and safety's alerting (docs/safety.md): the admins' encrypted SNS topic and the rule that
 * sends each auto-suspension alert (the safety function's event on the jobs bus) to it as one
 * readable sentence. EventBridge publishes to the topic, so the functions need no SNS client.
 */
export class Safety extends Construct {
  readonly topic: Topic;
  private readonly props: SafetyProps;

  constructor(scope: Construct, id: string, props: SafetyProps) {
    super(scope, id);
    this.props = props;
    const key = new Key(this, 'TopicKey', {
      description: `${props.prefix} safety alerts topic key`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    this.topic = new Topic(this, 'AdminAlerts', {
      topicName: `${props.prefix}-safety-alerts`,
      displayName: `${props.prefix} safety alerts`,
      masterKey: key,
      enforceSSL: true,
    });
    // EventBridge publishes to an encrypted topic only with the key.
    key.grant(new ServicePrincipal('events.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    if (props.adminEmail) this.topic.addSubscription(new EmailSubscription(props.adminEmail));
  }

  /**
   * The rule that sends each auto-suspension alert to the admins' topic; an alert EventBridge cannot
   * deliver after its retries lands in `queue` (the operations dead-letter queues, alarmed), as every
   * other rule target's does.
   */
  sendFailuresTo(queue: IQueue): Rule {
    return new Rule(this, 'AlertRule', {
      description: 'Auto-suspended live streams: alert the platform admins',
      eventBus: this.props.bus,
      eventPattern: { source: [SAFETY_ALERT_EVENT.source], detailType: [SAFETY_ALERT_EVENT.detailType] },
      targets: [
        new SnsTopic(this.topic, {
          message: RuleTargetInput.fromEventPath('$.detail.message'),
          deadLetterQueue: queue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
  }

  /** Gives the safety function its auto-suspension settings. */
  configure(fn: LambdaFunction): void {
    fn.addEnvironment(ENV.AUTO_SUSPEND_REPORTS, String(this.props.autoSuspend.reports));
    fn.addEnvironment(ENV.AUTO_SUSPEND_WINDOW_MINUTES, String(this.props.autoSuspend.windowMinutes));
  }
}
