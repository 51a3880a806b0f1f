import { Duration, NestedStack, type RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface OperationsProps {
  /** Prefix of every physical name, e.g. `lvs-dev`. */
  readonly prefix: string;
  /** What deleting the stack does to the topic key and the dead-letter queues (and what waits in them). */
  readonly removalPolicy: RemovalPolicy;
  /**
   * Address subscribed (e-mail) to the operations topic; SNS sends it a confirmation link first.
   * @default - no subscription (the topic and alarms still exist; subscribe later)
   */
  readonly email?: string;
  /**
   * How long a failed record or event is kept in its dead-letter queue (SQS allows at most 14 days).
   * @default Duration.days(14)
   */
  readonly retention?: Duration;
}

/** One consumer's dead-letter queue and the alarm that reports anything in it. */
export interface DeadLetters {
  readonly queue: Queue;
  readonly alarm: Alarm;
}

/**
 * Where failures go and who hears about them: an encrypted operations topic (with the stage's
 * e-mail subscription), and per consumer an encrypted dead-letter queue whose depth alarms on the
 * topic. Stream consumers' on-failure destinations and EventBridge targets' DLQs come from
 * `deadLetters(consumer)`, so every queue has its alarm by construction.
 */
export class Operations extends Construct {
  readonly topic: Topic;
  /** Encrypts the topic; CloudWatch alarms may use it to publish. */
  readonly key: Key;
  private readonly byConsumer = new Map<string, DeadLetters>();
  /**
   * The queues' depth alarms live in a nested stack, which keeps the main template under
   * CloudFormation's 500 resources (test/unit/infra/deploy-readiness.test.ts). The queues stay in the
   * main stack: EventBridge rules name them as targets and their policies name the rules, which
   * across stacks would be a dependency cycle.
   */
  private readonly alarms: NestedStack;

  constructor(
    scope: Construct,
    id: string,
    private readonly props: OperationsProps,
  ) {
    super(scope, id);
    const retention = props.retention ?? Duration.days(14);
    if (retention.toSeconds() < 60 || retention.toSeconds() > Duration.days(14).toSeconds()) {
      throw new Error(
        `Operations: retention must be between 1 minute and 14 days (SQS limits), got ${retention.toHumanString()}.`,
      );
    }
    this.key = new Key(this, 'TopicKey', {
      description: `${props.prefix} operations topic key`,
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    this.topic = new Topic(this, 'Topic', {
      topicName: `${props.prefix}-operations`,
      displayName: `${props.prefix} operations`,
      masterKey: this.key,
      enforceSSL: true,
    });
    // An alarm action publishes as CloudWatch: without the key it cannot write to an encrypted topic.
    this.key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');
    if (props.email) this.topic.addSubscription(new EmailSubscription(props.email));
    this.alarms = new NestedStack(this, 'Alarms', {
      description: `${props.prefix}: the dead-letter queues' depth alarms`,
    });
  }

  /**
   * The dead-letter queue of `consumer` (a function name from the catalog), created on first use
   * with its depth alarm; later calls return the same pair. SQS-managed encryption (not the KMS
   * key): EventBridge and Lambda can send to it without key-policy grants, and the queue holds
   * only record pointers and events that already passed through those services.
   */
  deadLetters(consumer: string): DeadLetters {
    const existing = this.byConsumer.get(consumer);
    if (existing) return existing;
    if (!/^[a-z][a-z0-9-]*$/.test(consumer))
      throw new Error(`Operations: consumer "${consumer}" must be a kebab-case function name.`);
    const id = consumer
      .split('-')
      .map((p) => p[0]?.toUpperCase() + p.slice(1))
      .join('');
    const queue = new Queue(this, `${id}DeadLetters`, {
      queueName: `${this.props.prefix}-${consumer}-dlq`,
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: this.props.retention ?? Duration.days(14),
      removalPolicy: this.props.removalPolicy,
    });
    const alarm = new Alarm(this.alarms, `${id}DeadLettersAlarm`, {
      alarmName: `${this.props.prefix}-${consumer}-dead-letters`,
      alarmDescription: `${consumer}: a record or event failed all its retries and waits in ${this.props.prefix}-${consumer}-dlq.`,
      metric: queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(1), statistic: 'Maximum' }),
      threshold: 0,
      comparisonOperator: ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // SQS stops reporting a queue that has been inactive for hours; a message arriving makes it active again.
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    alarm.addAlarmAction(new SnsAction(this.topic));
    const pair = { queue, alarm };
    this.byConsumer.set(consumer, pair);
    return pair;
  }

  /** Every dead-letter queue created so far, by consumer. */
  all(): ReadonlyMap<string, DeadLetters> {
    return this.byConsumer;
  }
}
