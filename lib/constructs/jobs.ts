import { Duration } from 'aws-cdk-lib';
import { EventBus, Rule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import type { Function as LambdaFn } from 'aws-cdk-lib/aws-lambda';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import { Construct } from 'constructs';
import type { PlatformEventPattern } from '../functions/catalog';
import { ENV } from '../../lambdas/shared/env';
import type { DeadLetters } from './operations';

export interface JobsProps {
  /** Prefix of the bus's name (`<prefix>-jobs`). */
  readonly prefix: string;
  /**
   * Lambda's retries of a failed invocation before the event goes to the failure queue.
   * @default 2
   */
  readonly retryAttempts?: number;
}

/**
 * Background jobs the platform hands itself: an event bus of the stack's own (so stages in one
 * account never receive each other's jobs) and rules routing job events to worker functions. A
 * worker's dead-letter queue (from the Operations construct, with its alarm) receives both events
 * EventBridge could not deliver (target DLQ) and events whose invocations failed after Lambda's
 * retries (on-failure destination).
 */
export class Jobs extends Construct {
  readonly bus: EventBus;
  private readonly props: JobsProps;
  /** Workers whose asynchronous invocation is configured: a worker of several job kinds (go-live-fanout) is configured once. */
  private readonly configured = new Set<LambdaFn>();

  constructor(scope: Construct, id: string, props: JobsProps) {
    super(scope, id);
    this.props = props;
    this.bus = new EventBus(this, 'Bus', {
      eventBusName: `${props.prefix}-jobs`,
      description: `${props.prefix}: background jobs (recording objects, go-live e-mail pages)`,
    });
  }

  /** Routes events matching `pattern` to `worker` (asynchronously, retried, failures to `deadLetters`). */
  route(
    ruleId: string,
    description: string,
    pattern: PlatformEventPattern,
    worker: LambdaFn,
    deadLetters: DeadLetters,
  ): Rule {
    if (!this.configured.has(worker)) {
      worker.configureAsyncInvoke({
        retryAttempts: this.props.retryAttempts ?? 2,
        maxEventAge: Duration.hours(6),
        onFailure: new SqsDestination(deadLetters.queue),
      });
      this.configured.add(worker);
    }
    return new Rule(this, ruleId, {
      description,
      eventBus: this.bus,
      eventPattern: { source: [...pattern.source], detailType: [...pattern['detail-type']] },
      targets: [
        new LambdaFunction(worker, {
          deadLetterQueue: deadLetters.queue,
          retryAttempts: 8,
          maxEventAge: Duration.hours(2),
        }),
      ],
    });
  }

  /** Lets `fn` put job events on the bus, whose name it is given. */
  grantPut(fn: LambdaFn): void {
    this.bus.grantPutEventsTo(fn);
    fn.addEnvironment(ENV.JOBS_BUS_NAME, this.bus.eventBusName);
  }
}
