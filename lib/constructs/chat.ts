import { RemovalPolicy, Stack } from 'aws-cdk-lib';
import { CfnLoggingConfiguration } from 'aws-cdk-lib/aws-ivschat';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface ChatProps {
  readonly prefix: string;
  readonly removalPolicy: RemovalPolicy;
  /** The message review handler IVS Chat calls for every message (rooms are created at runtime). */
  readonly reviewHandler: IFunction;
  readonly logRetention: RetentionDays;
}

/**
 * IVS Chat around the runtime-created rooms: the review handler may be invoked by IVS Chat for
 * rooms of this account only, and a logging configuration rooms attach to keep a chat log.
 */
export class Chat extends Construct {
  readonly loggingConfiguration: CfnLoggingConfiguration;
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ChatProps) {
    super(scope, id);
    const stack = Stack.of(this);
    props.reviewHandler.addPermission('IvsChatReview', {
      principal: new ServicePrincipal('ivschat.amazonaws.com'),
      action: 'lambda:InvokeFunction',
      sourceAccount: stack.account,
      sourceArn: `arn:${stack.partition}:ivschat:${stack.region}:${stack.account}:room/*`,
    });
    this.logGroup = new LogGroup(this, 'ChatLog', {
      logGroupName: `/${props.prefix}/chat`,
      retention: props.logRetention,
      removalPolicy: props.removalPolicy,
    });
    this.loggingConfiguration = new CfnLoggingConfiguration(this, 'ChatLogging', {
      name: `${props.prefix}-chat-log`,
      destinationConfiguration: { cloudWatchLogs: { logGroupName: this.logGroup.logGroupName } },
    });
  }

  /** Room ARNs of this account and region (rooms are created at runtime). */
  static roomArns(scope: Construct): string[] {
    const s = Stack.of(scope);
    return [`arn:${s.partition}:ivschat:${s.region}:${s.account}:room/*`];
  }
}
