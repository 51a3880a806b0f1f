import { Duration, Lazy, RemovalPolicy, Stack } from 'aws-cdk-lib';
import {
  AllowedMethods, CachePolicy, Distribution, HeadersFrameOption, HeadersReferrerPolicy, OriginRequestPolicy, PriceClass,
  ResponseHeadersPolicy, ViewerProtocolPolicy,
} from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { CfnRecordingConfiguration } from 'aws-cdk-lib/aws-ivs';
import { BlockPublicAccess, Bucket, BucketEncryption, HttpMethods, ObjectOwnership, StorageClass } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import type { StageConfig } from '../config';

export interface VideoProps {
  readonly prefix: string;
  readonly removalPolicy: RemovalPolicy;
  readonly recordings: StageConfig['recordings'];
  /**
   * Browser origins allowed to fetch replays besides the deployed site (added with
   * `allowOrigins`), e.g. a local dev server. CORS on the distribution and the bucket.
   */
  readonly webOrigins: string[];
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
  private readonly origins: string[];

  constructor(scope: Construct, id: string, props: VideoProps) {
    super(scope, id);
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
      intelligentTieringConfigurations: [{
        name: 'recording-archive-tiers',
        archiveAccessTierTime: Duration.days(r.archiveAccessDays),
        deepArchiveAccessTierTime: Duration.days(r.deepArchiveAccessDays),
      }],
      lifecycleRules: [
        { id: 'intelligent-tiering-day-0', transitions: [{ storageClass: StorageClass.INTELLIGENT_TIERING, transitionAfter: Duration.days(0) }] },
        { id: 'expire-unsold-recordings', tagFilters: { [CLASSIFICATION_TAG]: 'NO_SALES' }, expiration: Duration.days(r.expireUnsoldAfterDays) },
        { id: 'abort-incomplete-uploads', abortIncompleteMultipartUploadAfter: Duration.days(7) },
      ],
      cors: [{ allowedMethods: [HttpMethods.GET, HttpMethods.HEAD], allowedOrigins, allowedHeaders: ['*'], maxAge: 3600 }],
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
      renditionConfiguration: r.renditions === 'ALL'
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
    this.distribution = new Distribution(this, 'ReplayDistribution', {
      comment: `${props.prefix} replays`,
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        originRequestPolicy: OriginRequestPolicy.CORS_S3_ORIGIN,
        responseHeadersPolicy: cors,
      },
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: this.logsBucket,
      logFilePrefix: 'replay-distribution/',
    });
  }

  /** Lets pages of `origins` (e.g. the web app's URL) fetch replays from a browser. */
  allowOrigins(...origins: string[]): void {
    this.origins.push(...origins);
  }

  /** `https://<distribution domain>`: replays are `<base>/<recording prefix>/media/hls/master.m3u8`. */
  get replayBaseUrl(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }

  /** ARN pattern of IVS channels in this account and region. */
  static channelArns(scope: Construct): string[] {
    const s = Stack.of(scope);
    return [`arn:${s.partition}:ivs:${s.region}:${s.account}:channel/*`];
  }

  static streamKeyArns(scope: Construct): string[] {
    const s = Stack.of(scope);
    return [`arn:${s.partition}:ivs:${s.region}:${s.account}:stream-key/*`];
  }
}
