/**
 * `npm start`: the whole platform on one machine. Starts DynamoDB Local, local S3, SES, the event
 * bus, Cognito, IVS (RTMP ingest + HLS), IVS Chat, the GraphQL server over the same resolvers, the
 * Lambda handlers in-process, and the web app; prints the endpoints and writes them to
 * `<dataDir>/endpoints.json`. Ctrl-C stops every part. `--reset` wipes `.local/`; `--demo` adds a
 * demo streamer with products and an ffmpeg test stream, a past show and a simulated audience
 * (`--demo --quiet`: without the audience); `--iam` enforces each Lambda's role from the
 * synthesized template in every local AWS stand-in (the integration tests run with it on).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CreateEmailTemplateCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { fromHeader, loadStageConfig, type StageConfig } from '../lib/config';
import { SAFETY_ALERT_EVENT, type RateLimit } from '../lambdas/shared/domain/safety';
import { FUNCTIONS } from '../lib/functions/catalog';
import { GO_LIVE_EMAIL_TEMPLATE } from '../lambdas/shared/domain/alerts';
import { ADMINS_GROUP, ECONOMY_ENV, economyEnvironment } from '../lambdas/shared/domain/economy';
import { battlesEnvironment } from '../lambdas/shared/domain/battles';
import { createEngine } from './appsync/engine';
import { ID_TOKEN_CLAIMS_SHIM, idTokenClaimsShim, startLocalCognito } from './auth/cognito';
import { LOCAL_CREDENTIALS, LOCAL_REGION, startDynamoDbLocal } from './dynamodb/server';
import { createTables } from './dynamodb/tables';
import { deadLetterSink } from './dead-letters/index';
import { startLocalEvents } from './events/bus';
import { matchesPattern } from './events/patterns';
import { startLocalGraphql } from './graphql/server';
import { startLocalIvs } from './ivs/index';
import { ANALYTICS_BUCKET, startLocalAnalytics } from './analytics';
import { startLocalIvsChat } from './ivschat/index';
import { createLocalLogs } from './logs/index';
import { createLocalIam, type LocalIam } from './iam/index';
import { startDynamoDbProxy } from './iam/dynamodb-proxy';
import { startLambdaEndpoint } from './lambda/endpoint';
import { startFunctionUrl } from './lambda/function-url';
import { createLambdaRunner, type LambdaRunner } from './lambda/runner';
import { startLocalS3 } from './s3/index';
import { startLocalScheduler } from './scheduler/index';
import { startLocalSes } from './ses/index';
import { snsOutbox } from './sns/index';
import { startStreamPoller } from './streams/poller';
import { startLocalCoins } from './stripe/index';
import {
  importLocalPlaybackKey,
  LOCAL_PLAYBACK_SECRET,
  LOCAL_REPLAY_KEY_PAIR_ID,
  LOCAL_REPLAY_SECRET,
  localPlaybackOrigins,
  localPlaybackSecret,
  localReplaySecret,
  makeLocalReplayKey,
} from './playback';
import { startLocalCloudFront } from './cloudfront/index';
import { SIGNED_PATH_PATTERN } from '../lambdas/shared/domain/signed-urls';
import { startWebServer } from './web/server';

export const ROOT = resolve(import.meta.dirname, '..');
const ACCOUNT = '000000000000';

export interface Endpoints {
  webUrl: string;
  graphqlUrl: string;
  realtimeUrl: string;
  rtmpUrl: string;
  chatUrl: string;
  cognitoUrl: string;
  ivsUrl: string;
  ivschatUrl: string;
  s3Url: string;
  sesUrl: string;
  /** alert-unsubscribe's function URL (one-click unsubscribe links in go-live emails). */
  unsubscribeUrl: string;
  eventsUrl: string;
  dynamodbUrl: string;
  lambdaUrl: string;
  /** The local Stripe: its API, checkout pages and dashboard (refunds, disputes). */
  stripeUrl: string;
  /** stripe-webhook's function URL, which the local Stripe delivers signed events to. */
  stripeWebhookUrl: string;
  secretsManagerUrl: string;
  /** The analytics events endpoint (`POST {analyticsUrl}/events`), the local Firehose and the local Athena. */
  analyticsUrl: string;
  firehoseUrl: string;
  athenaUrl: string;
  /** The local EventBridge Scheduler (the battles' one-time schedules). */
  schedulerUrl: string;
  /** The local CloudFront: the replay distribution (REPLAY_BASE_URL). */
  cloudfrontUrl: string;
}

export interface LocalPlatformOptions {
  /** @default <repo>/.local */
  dataDir?: string;
  reset?: boolean;
  /**
   * 'fixed': the documented ports (web 3000, GraphQL 4000, RTMP 1935, ...); 'free': any free ports (tests); or
   * chosen ports, free for the rest (a test restarting a platform on its data directory passes `portsOf(endpoints)`:
   * the in-process Lambdas' clients, read once per process, keep the first run's endpoints, as `npm start`'s fixed ports do).
   * @default 'fixed'
   */
  ports?: 'fixed' | 'free' | Partial<Record<keyof typeof FIXED, number>>;
  /**
   * Local period of the scheduled functions (health poller, auction sweeper). With the local IVS's 5 s
   * viewer window and the watch page's 5 s read, a viewer who joins or leaves shows in the count within 20 s.
   * @default 10000
   */
  scheduleEveryMs?: number;
  log?: (line: string) => void;
  /**
   * 'enforce': the local stand-ins (IVS, IVS Chat, S3, SNS, the event bus, DynamoDB through a proxy)
   * evaluate each Lambda's role policy from the synthesized template for every call, and refuse what
   * AWS would refuse (docs/local-mode.md, "IAM"). Costs a synth (seconds) at start. @default 'off'
   */
  iam?: 'enforce' | 'off';
  /** Build and serve the web app. @default true */
  web?: boolean;
  /** How often the table-stream poller reads the stream (tests that settle after every write go lower). @default 250 */
  streamPollMs?: number;
  /**
   * Per-IP request rate of the GraphQL server, as WAF enforces it in AWS; 'off' for a load test whose
   * one loopback address stands for many viewers' addresses. @default the dev stage's safety.rateLimit (cdk.json)
   */
  rateLimit?: RateLimit | 'off';
}

export interface LocalPlatform {
  endpoints: Endpoints;
  dataDir: string;
  /** Stream records and events that failed all their retries (`<consumer>/<timestamp>-<id>.json`). */
  deadLetterDir: string;
  userPoolId: string;
  userPoolClientId: string;
  runner: LambdaRunner;
  /** IAM evaluation when started with `iam: 'enforce'` (refusals in `iam.authorizer.denials`). */
  iam?: LocalIam;
  /** Waits until queued events and table-stream records have been handled. */
  settled(): Promise<void>;
  /**
   * Fault injection (test/integration/faults): `kill()` ends DynamoDB Local with SIGKILL, as a crash
   * would, while everything else keeps running; `start()` starts it again on the same port and data
   * directory, so the resolvers, Lambdas and stream poller reach it again without being told.
   */
  dynamodb: { kill(): Promise<void>; start(): Promise<void> };
  stop(): Promise<void>;
}

const FIXED = {
  web: 3000,
  graphql: 4000,
  rtmp: 1935,
  hls: 8080,
  ivs: 4010,
  ivschat: 4020,
  chat: 4021,
  cognito: 9229,
  s3: 4030,
  ses: 4040,
  events: 4050,
  dynamodb: 8000,
  lambda: 4060,
  unsubscribe: 4070,
  stripe: 4080,
  stripeWebhook: 4081,
  secretsmanager: 4090,
  analytics: 4100,
  firehose: 4110,
  athena: 4120,
  scheduler: 4130,
  cloudfront: 4140,
};
/** The ports of a running platform's endpoints, to start it again on them (LocalPlatformOptions.ports). */
export function portsOf(e: Endpoints): Partial<Record<keyof typeof FIXED, number>> {
  const p = (url: string) => Number(new URL(url).port);
  return {
    web: p(e.webUrl),
    graphql: p(e.graphqlUrl),
    rtmp: p(e.rtmpUrl),
    ivs: p(e.ivsUrl),
    ivschat: p(e.ivschatUrl),
    chat: p(e.chatUrl),
    cognito: p(e.cognitoUrl),
    s3: p(e.s3Url),
    ses: p(e.sesUrl),
    events: p(e.eventsUrl),
    dynamodb: p(e.dynamodbUrl),
    lambda: p(e.lambdaUrl),
    unsubscribe: p(e.unsubscribeUrl),
    stripe: p(e.stripeUrl),
    stripeWebhook: p(e.stripeWebhookUrl),
    secretsmanager: p(e.secretsManagerUrl),
    analytics: p(e.analyticsUrl),
    firehose: p(e.firehoseUrl),
    athena: p(e.athenaUrl),
    scheduler: p(e.schedulerUrl),
    cloudfront: p(e.cloudfrontUrl),
  };
}

/**
 * Go-live e-mails are sent as the dev stage sends them (cdk.json): from its SES identity, which the
 * stack grants SendBulkEmail on and the IAM-enforcing local mode checks.
 */
function localSender(): { identity: string; from: string } {
  const context = (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> })
    .context;
  const { email } = loadStageConfig((key) => (key === 'stage' ? 'dev' : context[key]));
  return { identity: email.sesIdentity, from: fromHeader(email) };
}

/** The dev stage's DVR window (cdk.json), as the deployed web app gets it. */
function localDvrWindowMinutes(): number {
  const context = (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> })
    .context;
  return loadStageConfig((key) => (key === 'stage' ? 'dev' : context[key])).dvrWindowMinutes;
}

/** The dev stage's age-gate consent TTL in days (cdk.json), as the deployed web app gets it. */
function localAgeGateConsentDays(): number {
  const context = (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> })
    .context;
  return loadStageConfig((key) => (key === 'stage' ? 'dev' : context[key])).ageGateConsentDays;
}

/** The API's economy variables as the dev stage sets them (cdk.json; defaults for what it leaves out). */
/** The API's economy and battle variables as the dev stage sets them (cdk.json; defaults for what it leaves out). */
export function localEconomyEnvironment(): Record<string, string> {
  const context = (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> })
    .context;
  const config = loadStageConfig((key) => (key === 'stage' ? 'dev' : context[key]));
  return { ...economyEnvironment(config.economy), ...battlesEnvironment(config.battles) };
}

/** The dev stage's safety settings (cdk.json; defaults for what it leaves out): rate limit, auto-suspension. */
export function localSafety(): StageConfig['safety'] {
  const context = (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> })
    .context;
  return loadStageConfig((key) => (key === 'stage' ? 'dev' : context[key])).safety;
}

/** One line per missing prerequisite, with how to install it. */
export function missingPrerequisites(): string[] {
  const missing: string[] = [];
  if (spawnSync('java', ['-version']).status !== 0)
    missing.push(
      'Java 17 (DynamoDB Local): run `npm run setup`, or `sudo apt-get install -y openjdk-17-jre-headless`.',
    );
  if (spawnSync('ffmpeg', ['-version']).status !== 0)
    missing.push('ffmpeg (RTMP to HLS): run `npm run setup`, or `sudo apt-get install -y ffmpeg`.');
  return missing;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Builds the web app when its build is missing or older than its sources. */
export function ensureWebBuild(log: (l: string) => void): string {
  const dist = join(ROOT, 'frontend', 'dist');
  const index = join(dist, 'index.html');
  if (!existsSync(index) || statSync(index).mtimeMs < newestMtime(join(ROOT, 'frontend', 'src'))) {
    log('Building the web app (npm run build:web) ...');
    execFileSync('npm', ['run', 'build:web'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' },
    });
  }
  return dist;
}

export async function startLocalPlatform(opts: LocalPlatformOptions = {}): Promise<LocalPlatform> {
  const log = opts.log ?? ((line: string) => console.error(line));
  const dataDir = resolve(opts.dataDir ?? join(ROOT, '.local'));
  if (opts.reset) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const outboxDir = join(dataDir, 'outbox');
  const port = (name: keyof typeof FIXED) =>
    typeof opts.ports === 'object' ? (opts.ports[name] ?? 0) : opts.ports === 'free' ? 0 : FIXED[name];
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        log(`stopping: ${(error as Error).message}`);
      }
    }
    stops.length = 0;
  };

  const lambda: { runner?: LambdaRunner; ready?: (runner: LambdaRunner) => void; fail?: (error: unknown) => void } = {};
  try {
    const distDir = opts.web === false ? undefined : ensureWebBuild(log);
    const iam =
      opts.iam === 'enforce'
        ? createLocalIam({
            region: LOCAL_REGION,
            account: ACCOUNT,
            // The template's recordings bucket is the local bucket; the recording configuration is the local IVS's.
            override: (id, type, attribute) =>
              type === 'AWS::S3::Bucket' && id.startsWith('VideoRecordings') && !attribute
                ? 'local-recordings'
                : type === 'AWS::S3::Bucket' && id.startsWith('VideoRecordings') && attribute === 'Arn'
                  ? 'arn:aws:s3:::local-recordings'
                  : type === 'AWS::IVS::RecordingConfiguration' && attribute === 'Arn'
                    ? `arn:aws:ivs:${LOCAL_REGION}:${ACCOUNT}:recording-configuration/local`
                    : undefined,
          })
        : undefined;
    const authorizer = iam?.authorizer;
    // Servers start first (their ports go into the handlers' environment); the runner comes last. A call
    // before it exists (a schedule's tick during a slow start) waits for it rather than failing into a dead letter.
    const runnerReady = new Promise<LambdaRunner>((resolve, reject) => {
      lambda.ready = resolve;
      lambda.fail = reject;
    });
    runnerReady.catch(() => undefined);
    const invoke = async (name: string, event: unknown) => (lambda.runner ?? (await runnerReady)).invoke(name, event);

    // Replaced by dynamodb.start() after a dynamodb.kill(): every client keeps its endpoint (same port).
    let dynamo = await startDynamoDbLocal({ port: port('dynamodb'), dataDir: join(dataDir, 'dynamodb'), log });
    stops.push(() => dynamo.stop());
    const client = new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    stops.push(async () => client.destroy());
    const tables = { Main: 'local-Main', Idempotency: 'local-Idempotency' };
    await createTables(client, tables);

    const bucket = 'local-recordings';
    // Lambdas reach DynamoDB through the IAM proxy; the local AppSync data source and the stream poller use it directly.
    const proxy = authorizer
      ? await startDynamoDbProxy({
          target: dynamo.endpoint,
          authorizer,
          scope: { region: LOCAL_REGION, account: ACCOUNT },
        })
      : undefined;
    if (proxy) stops.push(() => proxy.stop());
    const s3 = await startLocalS3({
      iam: authorizer,
      dataDir: join(dataDir, 's3'),
      port: port('s3'),
      buckets: [bucket, ANALYTICS_BUCKET],
      onRestoreCompleted: (event) => invoke('restore-completed', event).then(() => undefined),
    });
    stops.push(() => s3.stop());
    // The replay distribution: recordings' HLS only with signed URLs (its key is trusted once the key is made, below).
    const cloudfront = await startLocalCloudFront({
      originUrl: `${s3.url}/${bucket}`,
      signedPathPattern: SIGNED_PATH_PATTERN,
      port: port('cloudfront'),
    });
    stops.push(() => cloudfront.stop());
    const sender = localSender();
    const ses = await startLocalSes({
      iam: authorizer,
      outboxDir,
      verifiedIdentities: [sender.identity],
      port: port('ses'),
    });
    stops.push(() => ses.stop());
    // The same template definition the stack deploys as AWS::SES::Template.
    const sesClient = new SESv2Client({ endpoint: ses.url, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS });
    await sesClient.send(
      new CreateEmailTemplateCommand({
        TemplateName: 'local-go-live',
        TemplateContent: {
          Subject: GO_LIVE_EMAIL_TEMPLATE.subject,
          Text: GO_LIVE_EMAIL_TEMPLATE.text,
          Html: GO_LIVE_EMAIL_TEMPLATE.html,
        },
      }),
    );
    sesClient.destroy();
    const unsubscribe = await startFunctionUrl(invoke, 'alert-unsubscribe', port('unsubscribe'));
    stops.push(() => unsubscribe.stop());
    const coins = await startLocalCoins({
      dataDir,
      invoke,
      iam: authorizer,
      log,
      ports: { stripe: port('stripe'), stripeWebhook: port('stripeWebhook'), secretsmanager: port('secretsmanager') },
      secrets: {
        ...localPlaybackSecret(join(dataDir, 'ivs', 'playback-key.pem')),
        ...localReplaySecret(join(dataDir, 'cloudfront', 'replay-key.json')),
      },
    });
    stops.push(() => coins.stop());

    const deadLetters = deadLetterSink(join(dataDir, 'dead-letters'), (letter, path) =>
      log(
        `Dead letter: ${letter.consumer} failed ${letter.source} ${letter.id} ${letter.attempts} times (${letter.error}): ${path}`,
      ),
    );
    const safety = localSafety();
    // The stack's SafetyAlertRule: auto-suspension alerts to the admins' topic, whose message is the event's sentence.
    const adminAlerts = snsOutbox(outboxDir, 'safety-alerts');
    const events = await startLocalEvents({
      iam: authorizer,
      invoke,
      port: port('events'),
      scheduleEveryMs: opts.scheduleEveryMs,
      log,
      deadLetters,
      rules: [
        {
          pattern: { source: [SAFETY_ALERT_EVENT.source], 'detail-type': [SAFETY_ALERT_EVENT.detailType] },
          deliver: (event) => adminAlerts(String((event.detail as { message?: unknown }).message ?? '')),
        },
      ],
    });
    stops.push(() => events.stop());
    // The battles' one-time schedules (their end at the buzzer, an invitation's expiry) fire the same handler as in AWS.
    const scheduler = await startLocalScheduler({
      invoke,
      iam: authorizer,
      port: port('scheduler'),
      log,
      region: LOCAL_REGION,
      account: ACCOUNT,
    });
    stops.push(() => scheduler.stop());
    const lambdaEndpoint = await startLambdaEndpoint(
      { invoke },
      port('lambda'),
      {
        [ID_TOKEN_CLAIMS_SHIM]: async (event) =>
          idTokenClaimsShim((await invoke('account', event)) as Record<string, unknown>),
      },
      authorizer,
    );
    stops.push(() => lambdaEndpoint.stop());
    const cognito = await startLocalCognito({
      dataDir: join(dataDir, 'cognito'),
      outboxDir,
      port: port('cognito'),
      lambda: { url: lambdaEndpoint.url, postConfirmation: 'account', preTokenGeneration: ID_TOKEN_CLAIMS_SHIM },
      log,
      groups: [ADMINS_GROUP],
    });
    stops.push(() => cognito.stop());

    const ivs = await startLocalIvs({
      // 0.5 s segments: with copy, segments still follow the encoder's keyframes, so an encoder with a
      // 0.5 s keyframe interval gets under 3 s behind live; OBS's 1 s minimum gives 1 s segments (docs/local-ivs.md).
      dataDir: join(dataDir, 'ivs'),
      port: port('ivs'),
      rtmpPort: port('rtmp'),
      hlsPort: port('hls'),
      segmentSeconds: 0.5,
      recordings: { store: s3.store, bucket },
      onEvent: (event) => events.put(event),
      log,
      iam: authorizer,
      dvrWindowSeconds: localDvrWindowMinutes() * 60,
    });
    stops.push(() => ivs.stop());
    // The stack's chat log group and the logging configuration rooms attach; its subscriber keeps the chat history.
    const chatLogGroup = '/local/chat';
    const logs = createLocalLogs({
      owner: ACCOUNT,
      log,
      subscriptions: Object.fromEntries(
        FUNCTIONS.filter((f) => f.triggers.some((t) => t.kind === 'chat-log')).map((f) => [
          chatLogGroup,
          (event: unknown) => invoke(f.name, event),
        ]),
      ),
    });
    stops.push(() => logs.stop());
    const ivschat = await startLocalIvsChat({
      dataDir: join(dataDir, 'ivschat'),
      port: port('ivschat'),
      messagingPort: port('chat'),
      invokeReviewHandler: (_uri, event) => invoke('chat-review', event),
      log,
      iam: authorizer,
      loggingConfigurations: [
        { name: 'local-chat-log', destinationConfiguration: { cloudWatchLogs: { logGroupName: chatLogGroup } } },
      ],
      putLogRecord: logs.put,
    });
    stops.push(() => ivschat.stop());

    const analytics = await startLocalAnalytics({
      store: s3.store,
      invoke,
      iam: authorizer,
      ports: { analytics: port('analytics'), firehose: port('firehose'), athena: port('athena') },
      idTokenIssuer: `${cognito.url}/${cognito.userPoolId}`,
      userPoolClientId: cognito.userPoolClientId,
    });
    stops.push(() => analytics.stop());

    const engine = createEngine({
      dynamo: client,
      tables,
      invokeLambda: (name, payload) => invoke(name, payload),
      env: localEconomyEnvironment(),
    });
    const graphql = await startLocalGraphql({
      engine,
      verify: cognito.verify,
      port: port('graphql'),
      accountId: ACCOUNT,
      log,
      rateLimit: opts.rateLimit === 'off' ? undefined : (opts.rateLimit ?? safety.rateLimit),
    });
    stops.push(() => graphql.stop());

    // Without the web app, alert links still need a site URL: the documented local one.
    const web =
      distDir === undefined
        ? { url: `http://127.0.0.1:${FIXED.web}`, stop: async () => undefined }
        : await startWebServer({
            distDir,
            port: port('web'),
            runtimeConfig: () => ({
              stage: 'local',
              region: LOCAL_REGION,
              graphqlUrl: graphql.url,
              realtimeUrl: graphql.realtimeUrl,
              userPoolId: cognito.userPoolId,
              userPoolClientId: cognito.userPoolClientId,
              userPoolEndpoint: cognito.url,
              identityPoolId: '',
              guestAuthMode: 'unsigned',
              chatMessagingEndpoint: ivschat.messagingUrl,
              ingestServer: ivs.rtmpUrl,
              replayBaseUrl: cloudfront.url,
              analyticsUrl: analytics.endpoints.analyticsUrl,
              player: { lowLatency: true, dvrWindowMinutes: localDvrWindowMinutes() },
              ageGateConsentDays: localAgeGateConsentDays(),
            }),
          });
    stops.push(() => web.stop());

    const runner = createLambdaRunner({
      log,
      env: {
        AWS_REGION: LOCAL_REGION,
        AWS_DEFAULT_REGION: LOCAL_REGION,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_DYNAMODB: proxy?.endpoint ?? dynamo.endpoint,
        AWS_ENDPOINT_URL_S3: s3.url,
        AWS_ENDPOINT_URL_SESV2: ses.url,
        AWS_ENDPOINT_URL_IVS: ivs.url,
        AWS_ENDPOINT_URL_IVSCHAT: ivschat.url,
        AWS_ENDPOINT_URL_EVENTBRIDGE: events.url,
        AWS_ENDPOINT_URL_LAMBDA: lambdaEndpoint.url,
        AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER: cognito.url,
        USER_POOL_ID: cognito.userPoolId,
        TABLE_NAME: tables.Main,
        IDEMPOTENCY_TABLE_NAME: tables.Idempotency,
        RECORDINGS_BUCKET: bucket,
        REPLAY_BASE_URL: cloudfront.url,
        ALERT_FROM_ADDRESS: sender.from,
        ALERT_EMAIL_TEMPLATE: 'local-go-live',
        ALERT_EMAIL_RATE: '50',
        UNSUBSCRIBE_URL: unsubscribe.url,
        GRAPHQL_URL: graphql.url,
        WEB_URL: web.url,
        RESOURCE_TAG: 'local',
        STAGE: 'local',
        ALLOW_TEARDOWN: 'true',
        JOBS_BUS_NAME: 'local-jobs',
        RECORDING_CONFIGURATION_ARN: ivs.recordingConfigurationArn,
        CHANNEL_TYPE: 'STANDARD',
        AUTO_SUSPEND_REPORTS: String(safety.autoSuspendReports),
        AUTO_SUSPEND_WINDOW_MINUTES: String(safety.autoSuspendWindowMinutes),
        CHAT_REVIEW_FUNCTION_ARN: `arn:aws:lambda:${LOCAL_REGION}:${ACCOUNT}:function:local-chat-review`,
        CHAT_LOGGING_CONFIGURATION_ARN: ivschat.loggingConfigurationArns['local-chat-log'] ?? '',
        ...coins.env,
        ...analytics.env,
        PLAYBACK_KEY_SECRET: LOCAL_PLAYBACK_SECRET,
        PLAYBACK_ORIGINS: localPlaybackOrigins(web.url),
        REPLAY_KEY_SECRET: LOCAL_REPLAY_SECRET,
        REPLAY_KEY_PAIR_ID: LOCAL_REPLAY_KEY_PAIR_ID,
        AWS_ENDPOINT_URL_SCHEDULER: scheduler.url,
        BATTLE_SCHEDULE_GROUP: 'local-battles',
        BATTLE_SCHEDULER_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/local-battles-scheduler`,
        BATTLE_TARGET_ARN: `arn:aws:lambda:${LOCAL_REGION}:${ACCOUNT}:function:local-battles`,
        ...Object.fromEntries(Object.entries(localEconomyEnvironment()).filter(([name]) => name !== ECONOMY_ENV.gifts)),
        POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
        POWERTOOLS_TRACE_ENABLED: 'false',
        POWERTOOLS_METRICS_DISABLED: 'true',
      },
    });
    lambda.runner = runner;
    lambda.ready?.(runner);
    await importLocalPlaybackKey(invoke);
    cloudfront.trustKey(LOCAL_REPLAY_KEY_PAIR_ID, await makeLocalReplayKey(invoke));
    const streams = await startStreamPoller({
      dynamo: client,
      endpoint: dynamo.endpoint,
      region: LOCAL_REGION,
      credentials: LOCAL_CREDENTIALS,
      table: tables.Main,
      log,
      // Every function the catalog triggers from the table stream, each with its own position (one event source
      // mapping each), receiving only the records its filter matches, in batches of its size, as Lambda does.
      consumers: FUNCTIONS.flatMap((f) =>
        f.triggers.flatMap((t) =>
          t.kind === 'table-stream'
            ? [
                {
                  name: f.name,
                  handle: (event: { Records: unknown[] }) => invoke(f.name, event),
                  accepts: t.filter
                    ? (record: unknown) =>
                        matchesPattern(t.filter as Record<string, unknown>, record as Record<string, unknown>)
                    : undefined,
                  batchSize: t.batchSize,
                },
              ]
            : [],
        ),
      ),
      deadLetters,
      intervalMs: opts.streamPollMs,
    });
    stops.unshift(() => streams.stop());

    const endpoints: Endpoints = {
      webUrl: web.url,
      graphqlUrl: graphql.url,
      realtimeUrl: graphql.realtimeUrl,
      rtmpUrl: ivs.rtmpUrl,
      chatUrl: ivschat.messagingUrl,
      cognitoUrl: cognito.url,
      ivsUrl: ivs.url,
      ivschatUrl: ivschat.url,
      s3Url: s3.url,
      cloudfrontUrl: cloudfront.url,
      sesUrl: ses.url,
      unsubscribeUrl: unsubscribe.url,
      eventsUrl: events.url,
      dynamodbUrl: dynamo.endpoint,
      lambdaUrl: lambdaEndpoint.url,
      ...coins.endpoints,
      ...analytics.endpoints,
      schedulerUrl: scheduler.url,
    };
    writeFileSync(join(dataDir, 'endpoints.json'), JSON.stringify(endpoints, null, 2));
    return {
      endpoints,
      dataDir,
      deadLetterDir: deadLetters.dir,
      runner,
      iam,
      userPoolId: cognito.userPoolId,
      userPoolClientId: cognito.userPoolClientId,
      async settled() {
        await events.settled();
        await scheduler.settled();
        await streams.drained();
        await analytics.flush();
        await s3.settled();
      },
      dynamodb: {
        kill: () => dynamo.kill(),
        async start() {
          dynamo = await startDynamoDbLocal({ port: dynamo.port, dataDir: join(dataDir, 'dynamodb'), log });
        },
      },
      stop: stopAll,
    };
  } catch (error) {
    // Calls still waiting for the runner end now, so the event bus's stop does not wait on them.
    lambda.fail?.(error);
    await stopAll();
    throw error;
  }
}

async function main(): Promise<void> {
  const args = new Set(process.argv.slice(2));
  // A port taken by another program surfaces as a listen error: say which, in one line.
  process.on('uncaughtException', (error: NodeJS.ErrnoException & { port?: number }) => {
    if (error.code === 'EADDRINUSE')
      console.error(
        `Port ${error.port ?? ''} is already in use: stop the program using it (or a previous npm start) and try again.`,
      );
    else console.error(error);
    process.exit(1);
  });
  const missing = missingPrerequisites();
  if (missing.length) {
    for (const line of missing) console.error(`Missing: ${line}`);
    process.exit(1);
  }
  const t0 = Date.now();
  const platform = await startLocalPlatform({ reset: args.has('--reset'), iam: args.has('--iam') ? 'enforce' : 'off' });
  const e = platform.endpoints;
  console.log(`\nLive shopping, local mode: up in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  console.table({
    'Web app': e.webUrl,
    'RTMP ingest (OBS server)': e.rtmpUrl,
    GraphQL: e.graphqlUrl,
    'GraphQL realtime': e.realtimeUrl,
    Chat: e.chatUrl,
    'Stripe (test checkout, refunds)': e.stripeUrl,
  });
  console.log(
    `Coins: pay on the local checkout with 4242 4242 4242 4242 (4000 0000 0000 0002 declines); refund with the Stripe page's buttons or \`npm run stripe -- refund <sessionId>\`.`,
  );
  console.log(
    `Endpoints as JSON: ${join(platform.dataDir, 'endpoints.json')}. Confirmation codes and alerts: ${join(platform.dataDir, 'outbox')}. Ctrl-C stops everything.`,
  );
  console.log(`Dead letters (stream records and events that failed all retries): ${platform.deadLetterDir}`);
  console.log(
    'Platform admins (payouts, broadcaster tiers): `npm run admin -- add <email>` in another terminal, then that user signs in again.',
  );
  let stopping = false;
  let demo: import('./demo').RunningDemo | undefined;
  const shutdown = async () => {
    if (stopping) return;
    stopping = true;
    console.error('\nStopping ...');
    // The audience goes first, so it does not meet the platform half stopped.
    await demo?.stop();
    await platform.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown());
  process.on('SIGTERM', () => void shutdown());
  // `npm start` is npm, a shell and tsx above this process: if they are SIGKILLed, nothing signals
  // it, and it would keep every port. It stops when it is handed to another parent.
  const launcher = process.ppid;
  setInterval(() => {
    if (process.ppid !== launcher) {
      console.error('The process that started the local mode is gone.');
      void shutdown();
    }
  }, 1000).unref();
  if (args.has('--demo')) {
    const { startDemo, DemoSetupError } = await import('./demo');
    try {
      demo = await startDemo(platform, { quiet: args.has('--quiet'), say: (line: string) => console.log(line) });
      console.log(`Demo ready ${((Date.now() - t0) / 1000).toFixed(1)} s after start.`);
    } catch (error) {
      if (!(error instanceof DemoSetupError)) throw error;
      // The platform itself is up: keep it serving, and say what is missing and how to finish.
      console.error(
        `\n${error.message}\nThe platform keeps running without the demo. Stop it and run \`npm start -- --demo\` again: the demo setup picks up where it stopped.`,
      );
    }
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('local/start.ts')) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
