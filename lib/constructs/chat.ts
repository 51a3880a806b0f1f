import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnLoggingConfiguration } from 'aws-cdk-lib/aws-ivschat';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Alias, type Function as LambdaFunction, type IFunction } from 'aws-cdk-lib/aws-lambda';
import { FilterPattern, LogGroup, RetentionDays, SubscriptionFilter } from 'aws-cdk-lib/aws-logs';
import { LambdaDestination } from 'aws-cdk-lib/aws-logs-destinations';
import { Construct } from 'constructs';
import { ENV } from '../../lambdas/shared/env';
import { createdWithTag, grantOn, runtimeArns, taggedBy } from './runtime-resources';

export interface ChatProps {
  /** Prefix of physical names, and the `platform` tag value of this stage's rooms. */
  readonly prefix: string;
  /** What deleting the stack does to the chat log group. */
  readonly removalPolicy: RemovalPolicy;
  /** The message review handler IVS Chat calls for every message (rooms are created at runtime). */
  readonly reviewHandler: LambdaFunction;
  /** How long the chat log keeps messages. */
  readonly logRetention: RetentionDays;
  /**
   * Provisioned concurrency for the review handler. Above 0, rooms call the `live` alias, which
   * keeps this many initialized instances, so a message rarely meets a cold start (and IVS Chat's
   * fallback) on its way through.
   * @default 0 (rooms call the function itself, on-demand instances only)
   */
  readonly reviewProvisionedConcurrency?: number;
  /**
   * Receives the chat log (every message and event of every room) through a subscription filter:
   * the chat history is kept from there, off the review handler's path.
   * @default no subscriber (the log is kept, no history)
   */
  readonly historySubscriber?: IFunction;
}

/**
 * IVS Chat around the runtime-created rooms: the review handler may be invoked by IVS Chat for
 * rooms of this account only, and a logging configuration rooms attach to keep a chat log, which
 * the history subscriber reads (IVS Chat keeps no history of its own).
 */
export class Chat extends Construct {
  readonly loggingConfiguration: CfnLoggingConfiguration;
  readonly logGroup: LogGroup;
  /**
   * What rooms name as their review handler (`messageReviewHandler.uri`): the `live` alias with
   * provisioned concurrency when configured, else the function.
   */
  readonly reviewTarget: IFunction;
  private readonly prefix: string;
  /** Runtime-created rooms of this account and region. */
  private readonly rooms: string[];

  constructor(scope: Construct, id: string, props: ChatProps) {
    super(scope, id);
    this.prefix = props.prefix;
    this.rooms = runtimeArns(this, 'ivschat', 'room');
    const stack = Stack.of(this);
    const warm = props.reviewProvisionedConcurrency ?? 0;
    if (warm < 0 || !Number.isInteger(warm)) {
      throw new Error(`Chat: reviewProvisionedConcurrency must be a whole number >= 0 (got ${warm})`);
    }
    this.reviewTarget =
      warm > 0
        ? new Alias(this, 'ReviewHandlerLive', {
            aliasName: 'live',
            version: props.reviewHandler.currentVersion,
            provisionedConcurrentExecutions: warm,
            description: 'What IVS Chat rooms call: the review handler with warm instances.',
          })
        : props.reviewHandler;
    const invokeFromRooms = {
      principal: new ServicePrincipal('ivschat.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceAccount: stack.account,
      sourceArn: `arn:${stack.partition}:ivschat:${stack.region}:${stack.account}:room/*`,
    };
    // The function itself stays invocable: rooms created before the alias existed still name it.
    props.reviewHandler.addPermission('IvsChatReview', invokeFromRooms);
    if (this.reviewTarget !== props.reviewHandler)
      this.reviewTarget.addPermission('IvsChatReviewLive', invokeFromRooms);
    this.logGroup = new LogGroup(this, 'ChatLog', {
      logGroupName: `/${props.prefix}/chat`,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.loggingConfiguration = new CfnLoggingConfiguration(this, 'ChatLogging', {
      name: `${props.prefix}-chat-log`,
      destinationConfiguration: { cloudWatchLogs: { logGroupName: this.logGroup.logGroupName } },
    });
    if (props.historySubscriber) {
      new SubscriptionFilter(this, 'ChatHistory', {
        logGroup: this.logGroup,
        destination: new LambdaDestination(props.historySubscriber),
        filterPattern: FilterPattern.allEvents(),
      });
    }
  }

  /**
   * Lets `fn` (provision-streamer) create a streamer's tagged room with this review handler and
   * chat log, and find it again on a retried run.
   */
  grantRoomCreation(fn: LambdaFunction): void {
    fn.addEnvironment(ENV.CHAT_REVIEW_FUNCTION_ARN, this.reviewTarget.functionArn);
    fn.addEnvironment(ENV.CHAT_LOGGING_CONFIGURATION_ARN, this.loggingConfiguration.attrArn);
    grantOn(fn, ['ivschat:CreateRoom', 'ivschat:TagResource'], this.rooms, createdWithTag(this.prefix));
    // List operations have no resource scope in IVS Chat.
    grantOn(fn, ['ivschat:ListRooms'], ['*']);
  }

  /** Lets `fn` mint chat tokens for tagged rooms. */
  grantChatTokens(fn: LambdaFunction): void {
    grantOn(fn, ['ivschat:CreateChatToken'], this.rooms, taggedBy(this.prefix));
  }

  /** Lets `fn` delete messages, disconnect users and send moderation events in tagged rooms. */
  grantRoomModeration(fn: LambdaFunction): void {
    grantOn(
      fn,
      ['ivschat:DeleteMessage', 'ivschat:DisconnectUser', 'ivschat:SendEvent'],
      this.rooms,
      taggedBy(this.prefix),
    );
  }

  /** Lets `fn` post system lines (SendEvent) in tagged rooms: viewer milestones. */
  grantSystemEvents(fn: LambdaFunction): void {
    grantOn(fn, ['ivschat:SendEvent'], this.rooms, taggedBy(this.prefix));
  }

  /** Lets `fn` (runtime-teardown) find this stage's rooms and delete them. */
  grantRoomTeardown(fn: LambdaFunction): void {
    grantOn(fn, ['ivschat:ListRooms'], ['*']);
    grantOn(fn, ['ivschat:DeleteRoom'], this.rooms, taggedBy(this.prefix));
  }
}
