import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { IGrantable } from 'aws-cdk-lib/aws-iam';
import type { Function as LambdaFn } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { PlatformEventPattern } from '../functions/catalog';

export interface JobsProps {
  readonly prefix: string;
  readonly removalPolicy: RemovalPolicy;
  /**
   * Lambda's retries of a failed invocation before the event goes to the failure queue.
   * @default 2
   */
  readonly retryAttempts?: number;
}

/** A worker routed from the jobs bus, with where its failed events end up. */
export interface RoutedWorker {
  readonly rule: Rule;
  readonly failures: Queue;
  readonly failuresAlarm: Alarm;
}

/**
 * Background jobs the platform hands itself: an event bus of the stack's own (so stages in one
 * account never receive each other's jobs), rules routing job events to worker functions, and per
 * worker an encrypted SQS failure queue that receives both events EventBridge could not deliver
 * (target DLQ) and events whose invocations failed after Lambda's retries (on-failure destination),
 * with an alarm as soon as one arrives.
 */
export class Jobs extends Construct {
  readonly bus: EventBus;
  private readonly props: JobsProps;

  constructor(scope: Construct, id: string, props: JobsProps) {
    super(scope, id);
    this.props = props;
    this.bus = new EventBus(this, 'Bus', { eventBusName: `${props.prefix}-jobs`, description: `${props.prefix}: background jobs (recording objects)` });
  }

  /** Routes events matching `pattern` to `worker` (asynchronously, retried, failures kept). */
  route(ruleId: string, description: string, pattern: PlatformEventPattern, worker: LambdaFn): RoutedWorker {
    const failures = new Queue(this, `${ruleId}Failures`, {
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
      removalPolicy: this.props.removalPolicy,
    });
    worker.configureAsyncInvoke({
      retryAttempts: this.props.retryAttempts ?? 2,
      maxEventAge: Duration.hours(6),
      onFailure: new SqsDestination(failures),
    });
    const rule = new Rule(this, ruleId, {
      description,
      eventBus: this.bus,
      eventPattern: { source: [...pattern.source], detailType: [...pattern['detail-type']] },
      targets: [new LambdaFunction(worker, { deadLetterQueue: failures, retryAttempts: 8, maxEventAge: Duration.hours(2) })],
    });
    const failuresAlarm = new Alarm(this, `${ruleId}FailuresAlarm`, {
      alarmDescription: `${description}: events that failed after retries are in the failure queue (inspect, fix, redrive).`,
      metric: failures.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    return { rule, failures, failuresAlarm };
  }

  /** Lets `grantee` put job events on the bus. */
  grantPut(grantee: IGrantable): void {
    this.bus.grantPutEventsTo(grantee);
  }
}
