import { CfnDeletionPolicy, CfnOutput, CustomResource, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { EventType } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Duration } from 'aws-cdk-lib';
import { Provider } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { Alerts } from '../constructs/alerts';
import { Api } from '../constructs/api';
import { Auth } from '../constructs/auth';
import { Chat } from '../constructs/chat';
import { Data } from '../constructs/data';
import { Functions } from '../constructs/functions';
import { Jobs } from '../constructs/jobs';
import { Operations } from '../constructs/operations';
import { Video } from '../constructs/video';
import { userPoolSesEmail } from '../constructs/ses';
import { Web } from '../constructs/web';
import { FUNCTIONS } from '../functions/catalog';
import { EVENT_RETRY_ATTEMPTS, SCHEDULE_RETRY_ATTEMPTS, STREAM_RETRY_ATTEMPTS } from '../functions/delivery';
import { ENV } from '../../lambdas/shared/env';

export interface PlatformStackProps extends StackProps {
  readonly config: StageConfig;
  /** Directory of the web app's static build. */
  readonly webDistPath: string;
}

/** Functions that publish to subscribers through the API (`lambdas/shared/appsync-publish.ts`). */
const PUBLISHERS = ['stream-state', 'stream-health-poller', 'go-live-fanout', 'auction-sweeper', 'restore-completed', 'recording-objects'];

/**
 * The whole platform in one stack. One stack because the web app and the backend reference each
 * other (CORS and alert links need the web URL; the web runtime config needs the API, pools and
 * replay distribution): in one stack CloudFormation resolves both directions, whereas two stacks
 * would need an export cycle or a second deploy. The stage prefix keeps stages apart.
 */
export class PlatformStack extends Stack {
  constructor(scope: Construct, id: string, props: PlatformStackProps) {
    super(scope, id, props);
    const { config } = props;
    const removalPolicy = config.removalPolicy === 'retain' ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;
    const logRetention = (Object.values(RetentionDays).includes(config.logRetentionDays as RetentionDays)
      ? config.logRetentionDays : RetentionDays.ONE_MONTH) as RetentionDays;

    const data = new Data(this, 'Data', { prefix: config.prefix, removalPolicy, protect: config.removalPolicy === 'retain' });
    const video = new Video(this, 'Video', {
      prefix: config.prefix, removalPolicy, recordings: config.recordings, webOrigins: config.webOrigins,
    });

    const functions = new Functions(this, 'Functions', {
      prefix: config.prefix,
      logRetentionDays: config.logRetentionDays,
      removalPolicy,
      environment: {
        [ENV.TABLE_NAME]: data.main.tableName,
        [ENV.IDEMPOTENCY_TABLE_NAME]: data.idempotency.tableName,
        [ENV.STAGE]: config.stage,
        [ENV.RESOURCE_TAG]: config.prefix,
      },
    });
    const fn = (name: string) => functions.get(name);
    for (const f of functions.all()) {
      data.main.grantReadWriteData(f);
    }

    const auth = new Auth(this, 'Auth', {
      prefix: config.prefix, removalPolicy, postConfirmation: fn('account'), preTokenGeneration: fn('account'),
      email: config.email.userPoolViaSes ? userPoolSesEmail(this, config.email) : undefined,
    });
    const chat = new Chat(this, 'Chat', {
      prefix: config.prefix, removalPolicy, reviewHandler: fn('chat-review'), logRetention,
      reviewProvisionedConcurrency: config.chatReviewProvisionedConcurrency,
      historySubscriber: fn('chat-history'),
    });
    const api = new Api(this, 'Api', {
      prefix: config.prefix, userPool: auth.userPool, table: data.main, functions: fn, logRetention, removalPolicy,
    });
    api.grantGuest(auth.identityPool.unauthenticatedRole);
    for (const name of PUBLISHERS) {
      api.grantPublish(fn(name));
      fn(name).addEnvironment(ENV.GRAPHQL_URL, api.api.graphqlUrl);
    }

    this.wireIvs(fn, video, chat, config);
    const operations = new Operations(this, 'Operations', { prefix: config.prefix, removalPolicy, email: config.operationsEmail });
    this.wireTriggers(functions, data, video, operations);
    this.wireRecordings(fn, video, data);
    this.wireJobs(functions, new Jobs(this, 'Jobs', { prefix: config.prefix, removalPolicy }), operations, video, data);
    const alerts = new Alerts(this, 'Alerts', {
      prefix: config.prefix, email: config.email, fanout: fn('go-live-fanout'), unsubscribe: fn('alert-unsubscribe'),
    });

    const web = new Web(this, 'Web', {
      prefix: config.prefix,
      removalPolicy,
      distPath: props.webDistPath,
      logsBucket: video.logsBucket,
      customDomain: config.customDomain,
      runtimeConfig: {
        stage: config.stage,
        region: this.region,
        graphqlUrl: api.api.graphqlUrl,
        userPoolId: auth.userPool.userPoolId,
        userPoolClientId: auth.client.userPoolClientId,
        identityPoolId: auth.identityPool.identityPoolId,
        guestAuthMode: 'iam',
        chatMessagingEndpoint: `wss://edge.ivschat.${this.region}.amazonaws.com`,
        replayBaseUrl: video.replayBaseUrl,
        player: { lowLatency: true },
      },
    });
    fn('go-live-fanout').addEnvironment(ENV.WEB_URL, web.url);
    video.allowOrigins(...web.origins);

    // Deleting the stack also deletes the runtime-created channels, keys and rooms (prod: only if allowed).
    const teardown = fn('runtime-teardown');
    teardown.addEnvironment(ENV.ALLOW_TEARDOWN, String(config.allowTeardownOfRuntimeResources));
    const provider = new Provider(this, 'TeardownProvider', { onEventHandler: teardown });
    const runtimeResources = new CustomResource(this, 'RuntimeResourcesTeardown', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::RuntimeResourcesTeardown',
      // A new ARN (settings changed, configuration replaced) makes the handler move the channels to it.
      properties: { Tag: config.prefix, Stage: config.stage, RecordingConfigurationArn: video.recordingConfigurationArn },
    });
    this.orderRuntimeResources(runtimeResources, video, chat, fn, config);

    new CfnOutput(this, 'WebUrl', { value: web.url, description: 'The web app' });
    new CfnOutput(this, 'GraphqlUrl', { value: api.api.graphqlUrl });
    new CfnOutput(this, 'UserPoolId', { value: auth.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: auth.client.userPoolClientId });
    new CfnOutput(this, 'IdentityPoolId', { value: auth.identityPool.identityPoolId });
    new CfnOutput(this, 'ReplayBaseUrl', { value: video.replayBaseUrl });
    new CfnOutput(this, 'RecordingsBucket', { value: video.bucket.bucketName });
    new CfnOutput(this, 'UnsubscribeUrl', { value: alerts.unsubscribeUrl.url, description: 'One-click unsubscribe endpoint of go-live emails' });
  }

  private wireIvs(fn: (n: string) => ReturnType<Functions['get']>, video: Video, chat: Chat, config: StageConfig): void {
    const channels = Video.channelArns(this);
    const keys = Video.streamKeyArns(this);
    const rooms = Chat.roomArns(this);
    const tagged = { StringEquals: { 'aws:ResourceTag/platform': config.prefix } };

    const provision = fn('provision-streamer');
    provision.addEnvironment(ENV.RECORDING_CONFIGURATION_ARN, video.recordingConfigurationArn);
    provision.addEnvironment(ENV.CHANNEL_TYPE, config.channelType);
    provision.addEnvironment(ENV.CHAT_REVIEW_FUNCTION_ARN, chat.reviewTarget.functionArn);
    provision.addEnvironment(ENV.CHAT_LOGGING_CONFIGURATION_ARN, chat.loggingConfiguration.attrArn);
    // IVS authorizes CreateChannel, ListStreamKeys and DeleteChannel on the channel AND on stream keys, CreateStreamKey
    // on the new key; tags set on create are also authorized as TagResource (Service Authorization Reference, ivs).
    // aws:RequestTag applies to the creates; aws:ResourceTag only where the resource is one tagged channel, never to
    // the stream-key/* a list or a channel's own key is checked against (IVS does not tag CreateChannel's key).
    const requestTagged = { StringEquals: { 'aws:RequestTag/platform': config.prefix } };
    provision.addToRolePolicy(new PolicyStatement({ actions: ['ivs:CreateChannel', 'ivs:TagResource'], resources: [...channels, ...keys], conditions: requestTagged }));
    provision.addToRolePolicy(new PolicyStatement({ actions: ['ivs:CreateStreamKey'], resources: keys, conditions: requestTagged }));
    provision.addToRolePolicy(new PolicyStatement({ actions: ['ivs:GetChannel', 'ivs:ListStreamKeys'], resources: channels, conditions: tagged }));
    provision.addToRolePolicy(new PolicyStatement({ actions: ['ivs:GetStreamKey', 'ivs:ListStreamKeys'], resources: keys }));
    // List operations have no resource scope in IVS.
    provision.addToRolePolicy(new PolicyStatement({ actions: ['ivs:ListChannels', 'ivschat:ListRooms'], resources: ['*'] }));
    provision.addToRolePolicy(new PolicyStatement({
      actions: ['ivschat:CreateRoom', 'ivschat:TagResource'],
      resources: rooms,
      conditions: requestTagged,
    }));

    const streamKey = fn('stream-key');
    streamKey.addToRolePolicy(new PolicyStatement({ actions: ['ivs:ListStreamKeys', 'ivs:StopStream'], resources: channels, conditions: tagged }));
    streamKey.addToRolePolicy(new PolicyStatement({ actions: ['ivs:CreateStreamKey', 'ivs:TagResource'], resources: keys, conditions: requestTagged }));
    streamKey.addToRolePolicy(new PolicyStatement({ actions: ['ivs:ListStreamKeys', 'ivs:DeleteStreamKey'], resources: keys }));

    fn('stream-health-poller').addToRolePolicy(new PolicyStatement({ actions: ['ivs:GetStream', 'ivs:GetStreamSession'], resources: channels, conditions: tagged }));
    fn('stream-health-poller').addToRolePolicy(new PolicyStatement({ actions: ['events:PutEvents'], resources: [`arn:${this.partition}:events:${this.region}:${this.account}:event-bus/default`] }));
    fn('sale-markers').addToRolePolicy(new PolicyStatement({ actions: ['ivs:PutMetadata'], resources: channels, conditions: tagged }));

    fn('chat-token').addToRolePolicy(new PolicyStatement({ actions: ['ivschat:CreateChatToken'], resources: rooms, conditions: tagged }));
    fn('chat-moderation').addToRolePolicy(new PolicyStatement({
      actions: ['ivschat:DeleteMessage', 'ivschat:DisconnectUser', 'ivschat:SendEvent'],
      resources: rooms, conditions: tagged,
    }));

    const teardown = fn('runtime-teardown');
    teardown.addToRolePolicy(new PolicyStatement({ actions: ['ivs:ListChannels', 'ivschat:ListRooms'], resources: ['*'] }));
    teardown.addToRolePolicy(new PolicyStatement({ actions: ['ivs:ListStreamKeys', 'ivs:StopStream', 'ivs:DeleteChannel'], resources: channels, conditions: tagged }));
    teardown.addToRolePolicy(new PolicyStatement({ actions: ['ivs:ListStreamKeys', 'ivs:DeleteChannel', 'ivs:DeleteStreamKey'], resources: keys }));
    teardown.addToRolePolicy(new PolicyStatement({ actions: ['ivschat:DeleteRoom'], resources: rooms, conditions: tagged }));
  }

  /**
   * Channels and rooms use the recording configuration, the chat logging configuration and the
   * review handler: depending on them makes CloudFormation delete the channels and rooms (this
   * resource) first, and on update move channels only after provision-streamer creates new ones
   * with the new configuration. Where teardown is refused, channels and rooms outlive the stack,
   * so the configurations they use are retained; a replaced recording configuration is still
   * deleted, since its channels have moved.
   */
  private orderRuntimeResources(runtimeResources: CustomResource, video: Video, chat: Chat, fn: (n: string) => ReturnType<Functions['get']>, config: StageConfig): void {
    runtimeResources.node.addDependency(video.recordingConfiguration, chat.loggingConfiguration, fn('chat-review'), fn('provision-streamer'));
    if (!config.allowTeardownOfRuntimeResources) {
      video.recordingConfiguration.cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN;
      video.recordingConfiguration.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.DELETE;
      chat.loggingConfiguration.applyRemovalPolicy(RemovalPolicy.RETAIN);
    }
    fn('runtime-teardown').addToRolePolicy(new PolicyStatement({
      actions: ['ivs:UpdateChannel'], resources: Video.channelArns(this), conditions: { StringEquals: { 'aws:ResourceTag/platform': config.prefix } },
    }));
  }

  private wireTriggers(functions: Functions, data: Data, video: Video, operations: Operations): void {
    for (const spec of FUNCTIONS) {
      const f = functions.get(spec.name);
      for (const t of spec.triggers) {
        if (t.kind === 'eventbridge') {
          new Rule(this, t.ruleId, { description: spec.description, eventPattern: {
            source: [...t.pattern.source], detailType: [...t.pattern['detail-type']],
            ...(t.pattern.detail ? { detail: t.pattern.detail as Record<string, unknown[]> } : {}),
          }, targets: [new LambdaFunction(f, { retryAttempts: EVENT_RETRY_ATTEMPTS, maxEventAge: Duration.hours(2), deadLetterQueue: operations.deadLetters(spec.name).queue })] });
        } else if (t.kind === 'schedule') {
          new Rule(this, t.ruleId, { description: spec.description, schedule: Schedule.rate(Duration.minutes(t.everyMinutes)), targets: [new LambdaFunction(f, {
            retryAttempts: SCHEDULE_RETRY_ATTEMPTS, maxEventAge: Duration.minutes(Math.max(1, t.everyMinutes)), deadLetterQueue: operations.deadLetters(spec.name).queue,
          })] });
        } else if (t.kind === 'table-stream') {
          // After the retries, Lambda sends the failed batch's shard and sequence range (not the records) to the queue.
          f.addEventSource(new DynamoEventSource(data.main, {
            startingPosition: StartingPosition.LATEST, batchSize: t.batchSize ?? 50,
            ...(t.filter ? { filters: [FilterCriteria.filter(t.filter)] } : {}),
            bisectBatchOnError: true, retryAttempts: STREAM_RETRY_ATTEMPTS, reportBatchItemFailures: true,
            onFailure: new SqsDlq(operations.deadLetters(spec.name).queue),
          }));
        } else if (t.kind === 's3-restore-completed') {
          video.bucket.addEventNotification(EventType.OBJECT_RESTORE_COMPLETED, new LambdaDestination(f));
        }
      }
    }
  }

  private wireRecordings(fn: (n: string) => ReturnType<Functions['get']>, video: Video, data: Data): void {
    for (const name of ['recording-state', 'replay', 'restore-completed', 'sale-markers']) {
      fn(name).addEnvironment(ENV.RECORDINGS_BUCKET, video.bucket.bucketName);
      fn(name).addEnvironment(ENV.REPLAY_BASE_URL, video.replayBaseUrl);
    }
    video.bucket.grantRead(fn('recording-state'));
    video.bucket.grantRead(fn('replay'));
    data.idempotency.grantReadWriteData(fn('recording-state'));
    data.idempotency.grantReadWriteData(fn('restore-completed'));
    data.idempotency.grantReadWriteData(fn('stream-state'));
  }

  /**
   * The platform's own events on the jobs bus: bulk work on recording objects leaves the request
   * path (replay's restores and sale-markers' classification tags are one page event each; the
   * recording-objects worker does the S3 calls page by page and sends the next page's event), and
   * go-live-fanout continues its e-mails page by page.
   */
  private wireJobs(functions: Functions, jobs: Jobs, operations: Operations, video: Video, data: Data): void {
    for (const spec of FUNCTIONS) {
      for (const t of spec.triggers) {
        if (t.kind === 'platform-event') jobs.route(t.ruleId, spec.description, t.pattern, functions.get(spec.name), operations.deadLetters(spec.name));
      }
    }
    const worker = functions.get('recording-objects');
    // The functions that put the platform's own events: recording-object pages and go-live e-mail pages.
    for (const f of [functions.get('replay'), functions.get('sale-markers'), worker, functions.get('go-live-fanout')]) {
      jobs.grantPut(f);
      f.addEnvironment(ENV.JOBS_BUS_NAME, jobs.bus.eventBusName);
    }
    // Jobs name their bucket; the worker's environment says which bucket it serves (the grants below).
    worker.addEnvironment(ENV.RECORDINGS_BUCKET, video.bucket.bucketName);
    worker.addToRolePolicy(new PolicyStatement({ actions: ['s3:ListBucket'], resources: [video.bucket.bucketArn] }));
    worker.addToRolePolicy(new PolicyStatement({ actions: ['s3:RestoreObject', 's3:PutObjectTagging'], resources: [video.bucket.arnForObjects('*')] }));
    data.idempotency.grantReadWriteData(worker);
  }
}
