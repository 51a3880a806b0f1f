import { CfnDeletionPolicy, CfnOutput, CustomResource, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import { EventBus, Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { FilterCriteria, StartingPosition } from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { EventType } from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Duration } from 'aws-cdk-lib';
import { Provider } from 'aws-cdk-lib/custom-resources';
import type { Construct, IConstruct } from 'constructs';
import type { StageConfig } from '../config';
import { Alerts } from '../constructs/alerts';
import { Analytics } from '../constructs/analytics';
import { Api } from '../constructs/api';
import { Auth } from '../constructs/auth';
import { Battles } from '../constructs/battles';
import { Chat } from '../constructs/chat';
import { Coins } from '../constructs/coins';
import { Data } from '../constructs/data';
import { Firewall } from '../constructs/firewall';
import { Functions } from '../constructs/functions';
import { Jobs } from '../constructs/jobs';
import { Operations } from '../constructs/operations';
import { Safety } from '../constructs/safety';
import { PlaybackAuth } from '../constructs/playback-auth';
import { Video } from '../constructs/video';
import { userPoolSesEmail } from '../constructs/ses';
import { Web } from '../constructs/web';
import { FUNCTIONS } from '../functions/catalog';
import { EVENT_RETRY_ATTEMPTS, SCHEDULE_RETRY_ATTEMPTS, STREAM_RETRY_ATTEMPTS } from '../functions/delivery';
import { ENV } from '../../lambdas/shared/env';
import { ECONOMY_ENV, economyEnvironment } from '../../lambdas/shared/domain/economy';
import { BATTLES_ENV, battlesEnvironment } from '../../lambdas/shared/domain/battles';

export interface PlatformStackProps extends StackProps {
  /** The stage's settings (cdk.json context, validated by lib/config.ts). */
  readonly config: StageConfig;
  /** Directory of the web app's static build. */
  readonly webDistPath: string;
}

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
    const logRetention = (
      Object.values(RetentionDays).includes(config.logRetentionDays as RetentionDays)
        ? config.logRetentionDays
        : RetentionDays.ONE_MONTH
    ) as RetentionDays;

    const data = new Data(this, 'Data', {
      prefix: config.prefix,
      removalPolicy,
      protect: config.removalPolicy === 'retain',
    });
    const video = new Video(this, 'Video', {
      prefix: config.prefix,
      removalPolicy,
      recordings: config.recordings,
      webOrigins: config.webOrigins,
      channelType: config.channelType,
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

    const auth = new Auth(this, 'Auth', {
      prefix: config.prefix,
      removalPolicy,
      postConfirmation: fn('account'),
      preTokenGeneration: fn('account'),
      email: config.email.userPoolViaSes ? userPoolSesEmail(this, config.email) : undefined,
    });
    const chat = new Chat(this, 'Chat', {
      prefix: config.prefix,
      removalPolicy,
      reviewHandler: fn('chat-review'),
      logRetention,
      reviewProvisionedConcurrency: config.chatReviewProvisionedConcurrency,
      historySubscriber: fn('chat-history'),
    });
    const api = new Api(this, 'Api', {
      prefix: config.prefix,
      userPool: auth.userPool,
      table: data.main,
      functions: fn,
      logRetention,
      environment: { ...economyEnvironment(config.economy), ...battlesEnvironment(config.battles) },
    });
    api.grantGuest(auth.identityPool.unauthenticatedRole);
    const jobs = new Jobs(this, 'Jobs', { prefix: config.prefix });
    const battles = new Battles(this, 'Battles', {
      prefix: config.prefix,
      target: fn('battles'),
      targetFunctionName: `${config.prefix}-battles`,
    });

    // What each function declares with itself in the catalog.
    for (const spec of FUNCTIONS) {
      const f = functions.get(spec.name);
      data.grantTable(f, spec.table ?? []);
      if (spec.idempotency) data.grantIdempotency(f);
      if (spec.publishes) api.grantPublish(f);
      if (spec.putsJobs) jobs.grantPut(f);
      if (spec.writesDvrViews) video.grantDvrViews(f, config.dvrWindowMinutes);
      if (spec.schedulesBattles) battles.grantScheduling(f);
    }
    // The runtime-created channels, stream keys and rooms, and the recordings, per function's job.
    video.grantChannelCreation(fn('provision-streamer'));
    chat.grantRoomCreation(fn('provision-streamer'));
    video.grantStreamKeyRotation(fn('stream-key'));
    video.grantStreamHealth(fn('stream-health-poller'));
    video.grantTimedMetadata(fn('sale-markers'));
    chat.grantChatTokens(fn('chat-token'));
    chat.grantRoomModeration(fn('chat-moderation'));
    video.grantChannelTeardown(fn('runtime-teardown'));
    chat.grantRoomTeardown(fn('runtime-teardown'));
    video.grantRecordingsRead(fn('recording-state'));
    video.grantRecordingsRead(fn('replay'));
    video.locateRecordings(fn('restore-completed'));
    video.locateRecordings(fn('sale-markers'));
    video.grantRecordingObjectJobs(fn('recording-objects'));
    // Trust and safety (docs/safety.md): suspensions delete keys and stop streams; admins hear of auto-suspensions; WAF guards the API.
    video.grantStreamKeyRotation(fn('safety'));
    const safety = new Safety(this, 'Safety', {
      prefix: config.prefix,
      removalPolicy,
      bus: jobs.bus,
      adminEmail: config.safety.adminAlertEmail,
      autoSuspend: { reports: config.safety.autoSuspendReports, windowMinutes: config.safety.autoSuspendWindowMinutes },
    });
    safety.configure(fn('safety'));
    auth.grantAccountControl(fn('safety'));
    new Firewall(this, 'Firewall', {
      prefix: config.prefix,
      protect: [api.api.arn],
      rateLimit: config.safety.rateLimit,
      logRetention,
      removalPolicy,
    });

    const operations = new Operations(this, 'Operations', {
      prefix: config.prefix,
      removalPolicy,
      email: config.operationsEmail,
    });
    this.wireTriggers(functions, data, video, jobs, operations);
    battles.sendFailuresTo(operations.deadLetters('battles').queue);
    safety.sendFailuresTo(operations.deadLetters('safety').queue);
    const alerts = new Alerts(this, 'Alerts', {
      prefix: config.prefix,
      email: config.email,
      fanout: fn('go-live-fanout'),
      unsubscribe: fn('alert-unsubscribe'),
    });
    const coins = new Coins(this, 'Coins', {
      config: config.coins,
      checkout: fn('coin-checkout'),
      webhook: fn('stripe-webhook'),
    });

    // Viewer analytics in a nested stack; each function's analytics grants are declared in the catalog.
    const analytics = new Analytics(this, 'Analytics', {
      prefix: config.prefix,
      removalPolicy,
      logsBucket: video.logsBucket,
      logRetention,
      routes: FUNCTIONS.flatMap((spec) =>
        spec.triggers.flatMap((t) =>
          t.kind === 'http-api' ? [{ method: t.method, path: t.path, handler: fn(spec.name) }] : [],
        ),
      ),
    });
    // Viewer milestones go to the account's default bus, where other applications may subscribe to them.
    const defaultBus = EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    for (const spec of FUNCTIONS) {
      const f = functions.get(spec.name);
      if (spec.analytics === 'ingest') analytics.grantIngest(f);
      if (spec.analytics === 'reports') analytics.grantReports(f);
      if (spec.emitsMilestones) {
        defaultBus.grantPutEventsTo(f);
        chat.grantSystemEvents(f);
      }
    }
    fn('analytics-ingest').addEnvironment(
      ENV.ID_TOKEN_ISSUER,
      `https://cognito-idp.${this.region}.amazonaws.com/${auth.userPool.userPoolId}`,
    );
    fn('analytics-ingest').addEnvironment(ENV.USER_POOL_CLIENT_ID, auth.client.userPoolClientId);

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
        analyticsUrl: analytics.url,
        player: { lowLatency: true, dvrWindowMinutes: config.dvrWindowMinutes },
        ageGateConsentDays: config.ageGateConsentDays,
      },
    });
    fn('go-live-fanout').addEnvironment(ENV.WEB_URL, web.url);
    fn('coin-checkout').addEnvironment(ENV.WEB_URL, web.url);
    // Playback tokens name the site's origins; the channels' authorized flag follows audience settings.
    const playbackAuth = new PlaybackAuth(this, 'PlaybackAuth', {
      prefix: config.prefix,
      removalPolicy,
      keysHandler: fn('playback-keys'),
    });
    playbackAuth.grantTokenSigning(fn('playback'), [...web.origins, ...config.webOrigins]);
    playbackAuth.grantChannelAuthorization(fn('playback'), config.prefix);
    // Recordings' HLS plays only with signed URLs, from the replay function and (rewinding live) the playback function.
    video.signReplays({ serviceToken: playbackAuth.serviceToken, keysHandler: fn('playback-keys') });
    video.grantReplaySigning(fn('replay'));
    video.grantReplaySigning(fn('playback'));
    // The battles' bonus is paid in the economy's money (coin value, currency, shards).
    fn('battles').addEnvironment(
      ECONOMY_ENV.settings,
      economyEnvironment(config.economy)[ECONOMY_ENV.settings] as string,
    );
    fn('battles').addEnvironment(BATTLES_ENV, battlesEnvironment(config.battles)[BATTLES_ENV] as string);
    video.allowOrigins(...web.origins);

    // Deleting the stack also deletes the runtime-created channels, keys and rooms (prod: only if allowed).
    const teardown = fn('runtime-teardown');
    teardown.addEnvironment(ENV.ALLOW_TEARDOWN, String(config.allowTeardownOfRuntimeResources));
    const provider = new Provider(this, 'TeardownProvider', { onEventHandler: teardown });
    const runtimeResources = new CustomResource(this, 'RuntimeResourcesTeardown', {
      serviceToken: provider.serviceToken,
      resourceType: 'Custom::RuntimeResourcesTeardown',
      // A new ARN (settings changed, configuration replaced) makes the handler move the channels to it.
      properties: {
        Tag: config.prefix,
        Stage: config.stage,
        RecordingConfigurationArn: video.recordingConfigurationArn,
      },
    });
    this.orderRuntimeResources(
      runtimeResources,
      video,
      chat,
      [fn('chat-review'), fn('provision-streamer')],
      config.allowTeardownOfRuntimeResources,
    );

    new CfnOutput(this, 'WebUrl', { value: web.url, description: 'The web app' });
    new CfnOutput(this, 'GraphqlUrl', { value: api.api.graphqlUrl });
    new CfnOutput(this, 'UserPoolId', { value: auth.userPool.userPoolId });
    new CfnOutput(this, 'UserPoolClientId', { value: auth.client.userPoolClientId });
    new CfnOutput(this, 'IdentityPoolId', { value: auth.identityPool.identityPoolId });
    new CfnOutput(this, 'ReplayBaseUrl', { value: video.replayBaseUrl });
    new CfnOutput(this, 'RecordingsBucket', { value: video.bucket.bucketName });
    new CfnOutput(this, 'UnsubscribeUrl', {
      value: alerts.unsubscribeUrl.url,
      description: 'One-click unsubscribe endpoint of go-live emails',
    });
    new CfnOutput(this, 'AnalyticsUrl', {
      value: analytics.url,
      description: 'Viewer analytics events endpoint (POST /events)',
    });
    new CfnOutput(this, 'StripeWebhookUrl', {
      value: coins.webhookUrl.url,
      description:
        'Stripe webhook endpoint: add it in the Stripe dashboard (events checkout.session.completed, checkout.session.async_payment_succeeded, charge.refunded, charge.dispute.created)',
    });
  }

  /**
   * Channels and rooms use the recording configuration, the chat logging configuration and the
   * review handler: depending on them makes CloudFormation delete the channels and rooms (this
   * resource) first, and on update move channels only after provision-streamer creates new ones
   * with the new configuration. Where teardown is refused, channels and rooms outlive the stack,
   * so the configurations they use are retained; a replaced recording configuration is still
   * deleted, since its channels have moved.
   */
  private orderRuntimeResources(
    runtimeResources: CustomResource,
    video: Video,
    chat: Chat,
    creators: IConstruct[],
    allowTeardown: boolean,
  ): void {
    runtimeResources.node.addDependency(video.recordingConfiguration, chat.loggingConfiguration, ...creators);
    if (!allowTeardown) {
      video.recordingConfiguration.cfnOptions.deletionPolicy = CfnDeletionPolicy.RETAIN;
      video.recordingConfiguration.cfnOptions.updateReplacePolicy = CfnDeletionPolicy.DELETE;
      chat.loggingConfiguration.applyRemovalPolicy(RemovalPolicy.RETAIN);
    }
  }

  /**
   * Each function's triggers from the catalog. The platform's own events on the jobs bus take bulk
   * work off the request path (replay's restores and sale-markers' classification tags are one page
   * event each; the recording-objects worker does the S3 calls page by page and sends the next page's
   * event), and go-live-fanout continues its e-mails page by page.
   */
  private wireTriggers(functions: Functions, data: Data, video: Video, jobs: Jobs, operations: Operations): void {
    for (const spec of FUNCTIONS) {
      const f = functions.get(spec.name);
      for (const t of spec.triggers) {
        if (t.kind === 'eventbridge') {
          new Rule(this, t.ruleId, {
            description: spec.description,
            eventPattern: {
              source: [...t.pattern.source],
              detailType: [...t.pattern['detail-type']],
              ...(t.pattern.detail ? { detail: t.pattern.detail as Record<string, unknown[]> } : {}),
            },
            targets: [
              new LambdaFunction(f, {
                retryAttempts: EVENT_RETRY_ATTEMPTS,
                maxEventAge: Duration.hours(2),
                deadLetterQueue: operations.deadLetters(spec.name).queue,
              }),
            ],
          });
        } else if (t.kind === 'schedule') {
          new Rule(this, t.ruleId, {
            description: spec.description,
            schedule: Schedule.rate(Duration.minutes(t.everyMinutes)),
            targets: [
              new LambdaFunction(f, {
                retryAttempts: SCHEDULE_RETRY_ATTEMPTS,
                maxEventAge: Duration.minutes(Math.max(1, t.everyMinutes)),
                deadLetterQueue: operations.deadLetters(spec.name).queue,
              }),
            ],
          });
        } else if (t.kind === 'table-stream') {
          // After the retries, Lambda sends the failed batch's shard and sequence range (not the records) to the queue.
          f.addEventSource(
            new DynamoEventSource(data.main, {
              startingPosition: StartingPosition.LATEST,
              batchSize: t.batchSize ?? 50,
              ...(t.filter ? { filters: [FilterCriteria.filter(t.filter)] } : {}),
              bisectBatchOnError: true,
              retryAttempts: STREAM_RETRY_ATTEMPTS,
              reportBatchItemFailures: true,
              onFailure: new SqsDlq(operations.deadLetters(spec.name).queue),
            }),
          );
        } else if (t.kind === 's3-restore-completed') {
          video.bucket.addEventNotification(EventType.OBJECT_RESTORE_COMPLETED, new LambdaDestination(f));
        } else if (t.kind === 's3-recording-playlist') {
          video.notifyRecordingPlaylists(f);
        } else if (t.kind === 'platform-event') {
          jobs.route(t.ruleId, spec.description, t.pattern, f, operations.deadLetters(spec.name));
        }
      }
    }
  }
}
