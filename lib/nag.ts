import { Names, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * cdk-nag (AwsSolutions) acknowledgements. Each names the exact finding, carries the concrete
 * reason, and applies only to the constructs whose path matches (the narrowest scope cdk-nag v3
 * offers: the resource itself).
 */
interface Rule {
  /** Path inside the stack, e.g. `Functions/Replay/ServiceRole/DefaultPolicy/Resource`. */
  readonly path: RegExp;
  readonly ids: readonly string[];
  readonly reason: string;
}

const BASIC_EXECUTION =
  'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]';
const CDK_PROVIDERS =
  /^(LogRetention[0-9a-f]+|BucketNotificationsHandler[0-9a-f]+|Custom::CDKBucketDeployment[0-9A-F]+|AWS679f53fac002430cb0da5b7982bd2287|TeardownProvider\/framework-[A-Za-z]+|PlaybackAuth\/KeyPairProvider\/framework-[A-Za-z]+|Custom::S3AutoDeleteObjectsCustomResourceProvider)\//;

function rules(stack: Stack): Rule[] {
  const logical = (path: string): string => {
    let c: IConstruct | undefined = stack;
    for (const seg of path.split('/')) c = c?.node.tryFindChild(seg);
    const cfn = c?.node.defaultChild ?? c;
    return cfn && cfn !== stack ? Stack.of(cfn).getLogicalId(cfn as never) : '';
  };
  // The stack is `<prefix>-platform` (bin/): the analytics buckets are named from the prefix.
  const prefix = stack.node.id.replace(/-platform$/, '');
  /** A schedule group's name as it appears in policies (set at synth, `<prefix>-battles`). */
  const scheduleGroupName = (path: string): string => {
    let c: IConstruct | undefined = stack;
    for (const seg of path.split('/')) c = c?.node.tryFindChild(seg);
    return (c as { scheduleGroupName?: string } | undefined)?.scheduleGroupName ?? '';
  };
  const providerFnArns = ['Functions/RuntimeTeardown', 'Functions/PlaybackKeys'].map(
    (p) => `AwsSolutions-IAM5[Resource::<${logical(p)}.Arn>:*]`,
  );
  /**
   * A main stack resource's ARN as a nested stack's policies name it: CDK passes it in as the
   * parameter `referenceto<the resource's unique id, stack included>Arn`.
   */
  const nestedArn = (path: string): string => {
    let c: IConstruct | undefined = stack;
    for (const seg of path.split('/')) c = c?.node.tryFindChild(seg);
    const cfn = c?.node.defaultChild ?? c;
    return cfn ? `referenceto${Names.nodeUniqueId(cfn.node)}Arn` : '';
  };
  // The AppSync data sources' roles live in the API's Roles nested stack (lib/constructs/api.ts).
  const fnArnWildcards = [
    'ProvisionStreamer',
    'StreamKey',
    'ChatToken',
    'ChatModeration',
    'Social',
    'AlertPreferences',
    'Replay',
    'CoinCheckout',
    'Safety',
    'AnalyticsReports',
    'Playback',
    'Battles',
  ].map((n) => `AwsSolutions-IAM5[Resource::<${nestedArn(`Functions/${n}`)}>:*]`);
  return [
    {
      path: /^Functions\/[A-Za-z]+\/ServiceRole\/Resource$/,
      ids: [BASIC_EXECUTION],
      reason:
        "The managed AWSLambdaBasicExecutionRole grants only CloudWatch Logs writes to the function's own log streams; each function has its own log group with retention.",
    },
    {
      path: /^Functions\/[A-Za-z]+\/ServiceRole\/DefaultPolicy\/Resource$/,
      ids: ['AwsSolutions-IAM5[Resource::*]'],
      reason:
        'X-Ray PutTraceSegments/PutTelemetryRecords and the IVS/IVS Chat List* operations support no resource-level scoping; every other statement is scoped.',
    },
    {
      path: /^Functions\/[A-Za-z]+\/ServiceRole\/DefaultPolicy\/Resource$/,
      ids: [`AwsSolutions-IAM5[Resource::<${logical('Data/MainTable')}.Arn>/index/*]`],
      reason:
        "Queries use the single table's three GSIs (docs/data-model.md); index ARNs are granted as the table's index/* set.",
    },
    {
      path: /^Api\/Roles\/TableSourceRole\/DefaultPolicy\/Resource$/,
      ids: [`AwsSolutions-IAM5[Resource::<${nestedArn('Data/MainTable')}>/index/*]`],
      reason:
        "Queries use the single table's three GSIs (docs/data-model.md); index ARNs are granted as the table's index/* set.",
    },
    {
      path: /^Functions\/(ProvisionStreamer|StreamKey|StreamHealthPoller|SaleMarkers|RuntimeTeardown|Safety|Playback)\/ServiceRole\/DefaultPolicy\/Resource$/,
      ids: ['AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ivs:<AWS::Region>:<AWS::AccountId>:channel/*]'],
      reason:
        'IVS channels are created per streamer at runtime, so their ARNs are unknown at deploy time; statements are limited to this account/region and, where IVS supports it, to resources tagged platform=<prefix>.',
    },
    {
      path: /^Functions\/(ProvisionStreamer|StreamKey|RuntimeTeardown|Safety)\/ServiceRole\/DefaultPolicy\/Resource$/,
      ids: ['AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ivs:<AWS::Region>:<AWS::AccountId>:stream-key/*]'],
      reason:
        'Stream keys are created at runtime per channel; the handlers only read or delete keys of channels they look up by tag.',
    },
    {
      path: /^Functions\/(ProvisionStreamer|ChatToken|ChatModeration|RuntimeTeardown|StreamHealthPoller|AnalyticsReports)\/ServiceRole\/DefaultPolicy\/Resource$/,
      ids: ['AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ivschat:<AWS::Region>:<AWS::AccountId>:room/*]'],
      reason:
        'IVS Chat rooms are created per streamer at runtime; statements are limited to this account/region and to rooms tagged platform=<prefix>.',
    },
    {
      path: /^Functions\/PlaybackKeys\/ServiceRole\/DefaultPolicy\/Resource$/,
      ids: ['AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:ivs:<AWS::Region>:<AWS::AccountId>:playback-key/*]'],
      reason:
        'The playback key pair is imported at deploy time by this custom resource, so its ARN is unknown to the template; statements are limited to this account/region and, for import, get and delete, to key pairs tagged platform=<prefix>.',
    },
    {
      path: /^PlaybackAuth\/PrivateKey\/Resource$/,
      ids: ['AwsSolutions-SMG4'],
      reason:
        'The playback signing key is replaced by re-running the playback-keys custom resource (docs/safety.md, "Rotating the playback key"): a rotation must import the new public key into IVS before tokens are signed with it, which a Secrets Manager rotation function alone would not order.',
    },
    {
      path: /^Video\/ReplayKey\/Resource$/,
      ids: ['AwsSolutions-SMG4'],
      reason:
        'The replay signing key is replaced by adding a second public key to the key group before signing with it (docs/safety.md, "Replays"): a Secrets Manager rotation function alone would sign with a key CloudFront does not trust yet.',
    },
    {
      path: /^Functions\/[A-Za-z]+\/Resource$/,
      ids: ['AwsSolutions-L1'],
      reason: 'Functions deliberately run on Node.js 22 LTS (nodejs22.x), the runtime the code and its tests target.',
    },
    {
      path: /^Alerts\/FanoutFailures\/Resource$/,
      ids: ['AwsSolutions-SQS3'],
      reason:
        "This queue is itself the dead-letter store: the on-failure destination of go-live-fanout's async invocations, watched by an alarm.",
    },
    {
      path: /^Functions\/(RecordingState|SaleMarkers|Replay)\/ServiceRole\/DefaultPolicy\/Resource$/,
      ids: [
        'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        'AwsSolutions-IAM5[Action::s3:GetObject*]',
        'AwsSolutions-IAM5[Action::s3:List*]',
        `AwsSolutions-IAM5[Resource::<${logical('Video/Recordings')}.Arn>/*]`,
      ],
      reason:
        'Recordings are objects under runtime-generated IVS prefixes of the one recordings bucket; read access (bucket.grantRead) plus tagging/restore on its objects only.',
    },
    {
      path: /^Functions\/RecordingObjects\/ServiceRole\/DefaultPolicy\/Resource$/,
      ids: [`AwsSolutions-IAM5[Resource::<${logical('Video/Recordings')}.Arn>/*]`],
      reason:
        'The worker restores and tags the objects of recordings, which IVS writes under runtime-generated prefixes of the one recordings bucket; it may not read them.',
    },
    {
      path: /^Functions\/DvrPlaylist\/ServiceRole\/DefaultPolicy\/Resource$/,
      ids: [`AwsSolutions-IAM5[Resource::<${logical('Video/Recordings')}.Arn>/ivs/*/media/hls/*]`],
      reason:
        "IVS writes each recording's playlists under a runtime-generated prefix; the function reads them and writes their DVR views (dvr.m3u8) in the recordings' HLS folders only.",
    },
    {
      path: /^Jobs\/[A-Za-z]+Failures\/Resource$/,
      ids: ['AwsSolutions-SQS3'],
      reason:
        'This queue is itself the dead-letter queue: the EventBridge target DLQ and the Lambda on-failure destination of its worker, with an alarm on its depth.',
    },
    {
      path: /^Api\/Roles\/[A-Za-z]+SourceRole\/DefaultPolicy\/Resource$/,
      ids: fnArnWildcards,
      reason:
        "AppSync Lambda data sources may invoke the function's versions and aliases (<function ARN>:*) of that one function.",
    },
    {
      path: /^Battles\/SchedulerRole\/DefaultPolicy\/Resource$/,
      ids: [`AwsSolutions-IAM5[Resource::<${logical('Functions/Battles')}.Arn>:*]`],
      reason:
        'EventBridge Scheduler may invoke the battles function (and its versions, <function ARN>:*) and nothing else.',
    },
    {
      path: /^Functions\/Battles\/ServiceRole\/DefaultPolicy\/Resource$/,
      ids: [
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:schedule/${scheduleGroupName('Battles/Schedules')}/*]`,
      ],
      reason:
        "Each battle gets one-time schedules named at runtime (battle-end-<id>, battle-expire-<id>, battle-forfeit-<id>-<drop>); create and delete are limited to the battles' own schedule group.",
    },
    {
      path: /^Api\/Api\/ApiLogsRole\/Resource$/,
      ids: [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSAppSyncPushToCloudWatchLogs]',
      ],
      reason: "AppSync's documented managed policy for pushing its own logs to CloudWatch Logs.",
    },
    {
      path: /^Api\/Api\/Resource$/,
      ids: ['AwsSolutions-ASC3'],
      reason:
        'Field-level ERROR logs and X-Ray are on; verbose request logging is off because it would write Cognito tokens and owner-only stream keys into logs.',
    },
    {
      path: /^Auth\/UserPool\/Resource$/,
      ids: ['AwsSolutions-COG2'],
      reason:
        'A public shopping site cannot require MFA of every viewer; MFA is optional (TOTP) and threat protection is on in full-function mode.',
    },
    {
      path: /^Auth\/IdentityPool\/Resource$/,
      ids: ['AwsSolutions-COG7'],
      reason:
        'Signed-out visitors browse live streams, products and replays; the guest role may call only the public @aws_iam fields (lib/api/access.ts), never a publish mutation.',
    },
    {
      path: /^Video\/ReplayDistribution\/Resource$/,
      ids: ['AwsSolutions-CFR1', 'AwsSolutions-CFR2', 'AwsSolutions-CFR4'],
      reason:
        'Replays are for a worldwide audience (no geo restriction); the distribution serves read-only recordings through origin access control (a WAF web ACL can be attached by operators); without a custom domain the default CloudFront certificate cannot pin a TLS policy.',
    },
    {
      path: /^Operations\/[A-Za-z]+DeadLetters\/Resource$/,
      ids: ['AwsSolutions-SQS3'],
      reason:
        'These queues are dead-letter destinations themselves (table-stream on-failure destinations and EventBridge target DLQs, which cdk-nag cannot see as such); each has a depth alarm on the operations topic.',
    },
    {
      path: /^Functions\/AnalyticsReports\/ServiceRole\/DefaultPolicy\/Resource$/,
      ids: [
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${prefix}-analytics-<AWS::AccountId>-<AWS::Region>/events/*]`,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${prefix}-analytics-results-<AWS::AccountId>-<AWS::Region>/results/*]`,
      ],
      reason:
        "Athena reads the events with the caller's permissions: GetObject on the events prefix (every stream's partition) and read/write on the workgroup's results prefix, both named by the stage; the objects are written by Firehose and Athena, not known ahead.",
    },
    {
      path: /^Analytics\/Resources\/FirehoseRole\/DefaultPolicy\/Resource$/,
      ids: [
        `AwsSolutions-IAM5[Resource::<${logical('Analytics/Resources/Events')}.Arn>/events/*]`,
        `AwsSolutions-IAM5[Resource::<${logical('Analytics/Resources/Events')}.Arn>/errors/*]`,
      ],
      reason:
        'Firehose writes objects under the events/ and errors/ prefixes with keys it generates (date, stream, time, uuid); nothing else in the bucket.',
    },
    {
      path: /^Analytics\/Resources\/Api\/(POST|OPTIONS)--events\/Resource$/,
      ids: ['AwsSolutions-APIG4'],
      reason:
        "The analytics endpoint is public by design (guests' events count): each request is validated, size- and rate-limited, an ID token when sent is verified by the function, and the stage is throttled.",
    },
    {
      path: CDK_PROVIDERS,
      ids: [
        BASIC_EXECUTION,
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-L1',
        'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        'AwsSolutions-IAM5[Action::s3:GetObject*]',
        'AwsSolutions-IAM5[Action::s3:List*]',
        'AwsSolutions-IAM5[Action::s3:Abort*]',
        'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
        'AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*]',
        `AwsSolutions-IAM5[Resource::<${logical('Web/SiteSource')}.Arn>/*]`,
        ...providerFnArns,
      ],
      reason:
        'Provider functions and roles generated by aws-cdk-lib (log retention, bucket notifications, BucketDeployment, AwsCustomResource for the Amplify deployment, custom resource framework); their code, runtime and policies are owned by the CDK.',
    },
  ];
}

export function applyNagSuppressions(stack: Stack): void {
  const all = rules(stack);
  const prefix = `${stack.node.path}/`;
  for (const c of stack.node.findAll() as IConstruct[]) {
    const path = c.node.path.startsWith(prefix) ? c.node.path.slice(prefix.length) : c.node.path;
    for (const rule of all) {
      if (rule.path.test(path)) Validations.of(c).acknowledge(...rule.ids.map((id) => ({ id, reason: rule.reason })));
    }
  }
}
