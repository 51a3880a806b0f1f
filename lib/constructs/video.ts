import { CustomResource, Duration, Lazy, RemovalPolicy } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  KeyGroup,
  OriginRequestPolicy,
  PriceClass,
  PublicKey,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
  type AddBehaviorOptions,
  type IOrigin,
} from 'aws-cdk-lib/aws-cloudfront';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { CfnRecordingConfiguration } from 'aws-cdk-lib/aws-ivs';
import type { Function as LambdaFunction } from 'aws-cdk-lib/aws-lambda';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  EventType,
  HttpMethods,
  ObjectOwnership,
  StorageClass,
} from 'aws-cdk-lib/aws-s3';
import { LambdaDestination } from 'aws-cdk-lib/aws-s3-notifications';
import { Construct } from 'constructs';
import type { StageConfig } from '../config';
import { ENV } from '../../lambdas/shared/env';
import { REPLAY_SIGNING_KEY, SIGNED_PATH_PATTERN } from '../../lambdas/shared/domain/signed-urls';
import { createdWithTag, grantOn, runtimeArns, taggedBy } from './runtime-resources';
import { grantSecretByName } from './playback-auth';

export interface VideoProps {
  /** Prefix of physical names, and the `platform` tag value of this stage's channels and keys. */
  readonly prefix: string;
  /** What deleting the stack does to the buckets (DESTROY also empties them). */
  readonly removalPolicy: RemovalPolicy;
  /** Recording settings: thumbnails, renditions, archive tiers, expiry of unsold recordings. */
  readonly recordings: StageConfig['recordings'];
  /** Type of the channels provision-streamer creates (passed to it by `grantChannelCreation`). */
  readonly channelType: StageConfig['channelType'];
  /**
   * Browser origins allowed to fetch replays besides the deployed site (added with
   * `allowOrigins`), e.g. a local dev server. CORS on the distribution and the bucket.
   */
  readonly webOrigins: string[];
}

/** What `signReplays` needs to make the signing key: the keys custom resource (playback-keys) and its provider. */
export interface ReplaySigningProps {
  /** The service token of the provider whose handler is `keysHandler`. */
  readonly serviceToken: string;
  /** playback-keys: generates the key into the secret and answers its public half. */
  readonly keysHandler: LambdaFunction;
}

/** Tag the lifecycle rule expires on; written by sale-markers (docs/recordings.md, "Storage lifecycle"). */
export const CLASSIFICATION_TAG = 'classification';

/**
 * Recording storage and delivery: the IVS recording configuration (S3 destination, thumbnails,
 * renditions), the private recordings bucket (TLS only, encrypted, Intelligent-Tiering from day 0
 * with archive tiers, unsold recordings expire by rule), and the CloudFront distribution that
 * serves replays through origin access control. Channels are created at runtime (provision-streamer).
 */
export class Video extends Construct {
  readonly bucket: Bucket;
  readonly logsBucket: Bucket;
  readonly recordingConfiguration: CfnRecordingConfiguration;
  readonly distribution: Distribution;
  readonly recordingConfigurationArn: string;
  /** Set by `signReplays`: the CloudFront public key whose private half signs replay URLs, and its secret. */
  replaySigning?: { publicKey: PublicKey; keyGroup: KeyGroup; secret: Secret; secretName: string };
  private readonly origins: string[];
  private readonly replayOrigin: IOrigin;
  private readonly replayBehavior: AddBehaviorOptions;
  private readonly props: VideoProps;
  /** Runtime-created channels and stream keys of this account and region (IVS tags channels, not CreateChannel's key). */
  private readonly channels: string[];
  private readonly keys: string[];

  constructor(scope: Construct, id: string, props: VideoProps) {
    super(scope, id);
    this.props = props;
    this.channels = runtimeArns(this, 'ivs', 'channel');
    this.keys = runtimeArns(this, 'ivs', 'stream-key');
    const autoDelete = props.removalPolicy === RemovalPolicy.DESTROY;
    this.logsBucket = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logs are delivered with ACLs.
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ id: 'expire-logs', expiration: Duration.days(90) }],
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: autoDelete,
    });
    const r = props.recordings;
    this.origins = [...props.webOrigins];
    // Resolved at synth, after the web app has added its URL: the site is created after this construct.
    const allowedOrigins = Lazy.list({ produce: () => (this.origins.length ? [...new Set(this.origins)] : ['*']) });
    this.bucket = new Bucket(this, 'Recordings', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      // IVS writes recordings with SSE-S3; it cannot use a customer managed KMS key.
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.logsBucket,
      serverAccessLogsPrefix: 'recordings-bucket/',
      intelligentTieringConfigurations: [
        {
          name: 'recording-archive-tiers',
          archiveAccessTierTime: Duration.days(r.archiveAccessDays),
          deepArchiveAccessTierTime: Duration.days(r.deepArchiveAccessDays),
        },
      ],
      lifecycleRules: [
        {
          id: 'intelligent-tiering-day-0',
          transitions: [{ storageClass: StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(0) }],
        },
        {
          id: 'expire-unsold-recordings',
          tagFilters: { [CLASSIFICATION_TAG]: 'NO_SALES' },
          expiration: Duration.days(r.expireUnsoldAfterDays),
        },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      cors: [
        { allowedMethods: [HttpMethods.GET, HttpMethods.HEAD], allowedOrigins, allowedHeaders: ['*'], maxAge: 3600 },
      ],
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: autoDelete,
    });

    this.recordingConfiguration = new CfnRecordingConfiguration(this, 'RecordingConfiguration', {
      name: `${props.prefix}-recordings`,
      destinationConfiguration: { s3: { bucketName: this.bucket.bucketName } },
      thumbnailConfiguration: {
        recordingMode: 'INTERVAL',
        targetIntervalSeconds: r.thumbnailIntervalSeconds,
        storage: ['SEQUENTIAL', 'LATEST'],
      },
      renditionConfiguration:
        r.renditions === 'ALL'
          ? { renditionSelection: 'ALL' }
          : { renditionSelection: 'CUSTOM', renditions: ['FULL_HD', 'HD'] },
      // A dropped connection that reconnects within 60 s continues the same recording.
      recordingReconnectWindowSeconds: 60,
    });
    this.recordingConfigurationArn = this.recordingConfiguration.attrArn;

    const cors = new ResponseHeadersPolicy(this, 'ReplayHeaders', {
      responseHeadersPolicyName: `${props.prefix}-replay-headers`,
      corsBehavior: {
        accessControlAllowCredentials: false,
        accessControlAllowHeaders: ['*'],
        accessControlAllowMethods: ['GET', 'HEAD', 'OPTIONS'],
        accessControlAllowOrigins: allowedOrigins,
        accessControlMaxAge: Duration.hours(1),
        originOverride: true,
      },
      securityHeadersBehavior: {
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });
    this.replayOrigin = S3BucketOrigin.withOriginAccessControl(this.bucket);
    this.replayBehavior = {
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      cachePolicy: CachePolicy.CACHING_OPTIMIZED,
      originRequestPolicy: OriginRequestPolicy.CORS_S3_ORIGIN,
      responseHeadersPolicy: cors,
    };
    this.distribution = new Distribution(this, 'ReplayDistribution', {
      comment: `${props.prefix} replays`,
      defaultBehavior: { origin: this.replayOrigin, ...this.replayBehavior },
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logsBucket,
      logFilePrefix: 'replay-distribution/',
    });
  }

  /**
   * Serves every recording's HLS (SIGNED_PATH_PATTERN: playlists and segments, of replays and of the
   * live DVR views) only with a CloudFront signed URL (docs/safety.md, "Replays"): the secret
   * `<prefix>-replay-key` holds the RSA private key, which the keys custom resource generates on
   * first deploy and whose public half it answers for the public key and key group the behavior
   * trusts. Thumbnails stay on the default behavior, unsigned.
   */
  signReplays(props: ReplaySigningProps): void {
    const secretName = `${this.props.prefix}-replay-key`;
    const secret = new Secret(this, 'ReplayKey', {
      secretName,
      description:
        'Replay distribution: the RSA private key that signs CloudFront URLs of recordings, and its public key (written by the playback-keys custom resource).',
      removalPolicy: this.props.removalPolicy,
    });
    props.keysHandler.addEnvironment(ENV.REPLAY_KEY_SECRET, secretName);
    grantSecretByName(this, props.keysHandler, secretName, [
      'secretsmanager:GetSecretValue',
      'secretsmanager:PutSecretValue',
    ]);
    const key = new CustomResource(this, 'ReplaySigningKey', {
      serviceToken: props.serviceToken,
      resourceType: 'Custom::ReplaySigningKey',
      properties: { Kind: REPLAY_SIGNING_KEY, Secret: secretName },
    });
    key.node.addDependency(secret);
    const publicKey = new PublicKey(this, 'ReplayPublicKey', {
      encodedKey: key.getAttString('PublicKeyPem'),
      comment: `${this.props.prefix}: signs replay URLs (private key in ${secretName})`,
    });
    const keyGroup = new KeyGroup(this, 'ReplayKeyGroup', {
      items: [publicKey],
      comment: `${this.props.prefix}: signers of recordings' HLS`,
    });
    this.distribution.addBehavior(SIGNED_PATH_PATTERN, this.replayOrigin, {
      ...this.replayBehavior,
      trustedKeyGroups: [keyGroup],
    });
    this.replaySigning = { publicKey, keyGroup, secret, secretName };
  }

  /** Lets `fn` (replay, playback) sign replay URLs: the key's id and its secret, read-only. */
  grantReplaySigning(fn: LambdaFunction): void {
    const signing = this.replaySigning;
    if (!signing) throw new Error('Video.signReplays must run before grantReplaySigning.');
    fn.addEnvironment(ENV.REPLAY_BASE_URL, this.replayBaseUrl);
    fn.addEnvironment(ENV.REPLAY_KEY_SECRET, signing.secretName);
    fn.addEnvironment(ENV.REPLAY_KEY_PAIR_ID, signing.publicKey.publicKeyId);
    grantSecretByName(this, fn, signing.secretName, ['secretsmanager:GetSecretValue']);
  }

  /** Lets pages of `origins` (e.g. the web app's URL) fetch replays from a browser. */
  allowOrigins(...origins: string[]): void {
    this.origins.push(...origins);
  }

  /** `https://<distribution domain>`: replays are `<base>/<recording prefix>/media/hls/master.m3u8`. */
  get replayBaseUrl(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }

  /**
   * Lets `fn` (provision-streamer) create a streamer's tagged channel and stream key with this
   * stage's recording configuration and channel type, and find them again on a retried run.
   * IVS authorizes CreateChannel, ListStreamKeys and DeleteChannel on the channel AND on stream
   * keys, CreateStreamKey on the new key; tags set on create are also authorized as TagResource
   * (Service Authorization Reference, ivs). aws:RequestTag applies to the creates; aws:ResourceTag
   * only where the resource is one tagged channel, never to the stream-key/* a list or a channel's
   * own key is checked against (IVS does not tag CreateChannel's key).
   */
  grantChannelCreation(fn: LambdaFunction): void {
    const { prefix } = this.props;
    fn.addEnvironment(ENV.RECORDING_CONFIGURATION_ARN, this.recordingConfigurationArn);
    fn.addEnvironment(ENV.CHANNEL_TYPE, this.props.channelType);
    grantOn(fn, ['ivs:CreateChannel', 'ivs:TagResource'], [...this.channels, ...this.keys], createdWithTag(prefix));
    grantOn(fn, ['ivs:CreateStreamKey'], this.keys, createdWithTag(prefix));
    grantOn(fn, ['ivs:GetChannel', 'ivs:ListStreamKeys'], this.channels, taggedBy(prefix));
    grantOn(fn, ['ivs:GetStreamKey', 'ivs:ListStreamKeys'], this.keys);
    // List operations have no resource scope in IVS.
    grantOn(fn, ['ivs:ListChannels'], ['*']);
  }

  /** Lets `fn` (stream-key) replace a tagged channel's stream key and stop the stream the old key ingests. */
  grantStreamKeyRotation(fn: LambdaFunction): void {
    const { prefix } = this.props;
    grantOn(fn, ['ivs:ListStreamKeys', 'ivs:StopStream'], this.channels, taggedBy(prefix));
    grantOn(fn, ['ivs:CreateStreamKey', 'ivs:TagResource'], this.keys, createdWithTag(prefix));
    grantOn(fn, ['ivs:ListStreamKeys', 'ivs:DeleteStreamKey'], this.keys);
  }

  /** Lets `fn` read the live stream and its session (health, viewers) of tagged channels. */
  grantStreamHealth(fn: LambdaFunction): void {
    grantOn(fn, ['ivs:GetStream', 'ivs:GetStreamSession'], this.channels, taggedBy(this.props.prefix));
  }

  /** Lets `fn` put timed metadata (sale and product cues) into tagged channels' streams. */
  grantTimedMetadata(fn: LambdaFunction): void {
    grantOn(fn, ['ivs:PutMetadata'], this.channels, taggedBy(this.props.prefix));
  }

  /**
   * Lets `fn` (runtime-teardown) find this stage's channels, stop and delete them with their keys,
   * and move them to a replaced recording configuration (UpdateChannel).
   */
  grantChannelTeardown(fn: LambdaFunction): void {
    const { prefix } = this.props;
    grantOn(fn, ['ivs:ListChannels'], ['*']);
    grantOn(fn, ['ivs:ListStreamKeys', 'ivs:StopStream', 'ivs:DeleteChannel'], this.channels, taggedBy(prefix));
    grantOn(fn, ['ivs:ListStreamKeys', 'ivs:DeleteChannel', 'ivs:DeleteStreamKey'], this.keys);
    grantOn(fn, ['ivs:UpdateChannel'], this.channels, taggedBy(prefix));
  }

  /** Tells `fn` where recordings are: the bucket's name and the replay distribution's base URL. */
  locateRecordings(fn: LambdaFunction): void {
    fn.addEnvironment(ENV.RECORDINGS_BUCKET, this.bucket.bucketName);
    fn.addEnvironment(ENV.REPLAY_BASE_URL, this.replayBaseUrl);
  }

  /** As `locateRecordings`, and lets `fn` read the recordings (manifests, object heads and lists). */
  grantRecordingsRead(fn: LambdaFunction): void {
    this.locateRecordings(fn);
    this.bucket.grantRead(fn);
  }

  /**
   * Lets `fn` (dvr-playlist) read the recordings' HLS playlists and write their DVR views, objects
   * under `ivs/…/media/hls/` only, and tells it the bucket and the DVR window (lambdas/shared/domain/dvr.ts).
   */
  grantDvrViews(fn: LambdaFunction, dvrWindowMinutes: number): void {
    fn.addEnvironment(ENV.RECORDINGS_BUCKET, this.bucket.bucketName);
    fn.addEnvironment(ENV.DVR_WINDOW_SECONDS, String(dvrWindowMinutes * 60));
    grantOn(fn, ['s3:GetObject', 's3:PutObject'], [this.bucket.arnForObjects('ivs/*/media/hls/*')]);
  }

  /**
   * Invokes `fn` each time IVS writes a recording's multivariant or rendition playlist (IVS rewrites
   * a rendition's playlist at every segment while live). The DVR views it writes (`dvr.m3u8`) match
   * neither suffix, so they trigger nothing.
   */
  notifyRecordingPlaylists(fn: LambdaFunction): void {
    for (const suffix of ['/playlist.m3u8', '/master.m3u8']) {
      this.bucket.addEventNotification(EventType.OBJECT_CREATED, new LambdaDestination(fn), { prefix: 'ivs/', suffix });
    }
  }

  /**
   * Lets `worker` (recording-objects) do the bulk work on a recording's objects page by page:
   * list them, start restores from archive tiers, set the classification tag the lifecycle reads.
   */
  grantRecordingObjectJobs(worker: LambdaFunction): void {
    // Jobs name their bucket; the worker's environment says which bucket it serves.
    worker.addEnvironment(ENV.RECORDINGS_BUCKET, this.bucket.bucketName);
    grantOn(worker, ['s3:ListBucket'], [this.bucket.bucketArn]);
    grantOn(worker, ['s3:RestoreObject', 's3:PutObjectTagging'], [this.bucket.arnForObjects('*')]);
  }
}
