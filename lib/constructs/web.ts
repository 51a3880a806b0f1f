import { App as AmplifyApp, CustomRule, Platform, RedirectStatus } from '@aws-cdk/aws-amplify-alpha';
import { CfnResource, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { AwsCustomResource, AwsCustomResourcePolicy, PhysicalResourceId } from 'aws-cdk-lib/custom-resources';
import { Construct } from 'constructs';

/** The runtime config the web app fetches at /runtime-config.json (schema: frontend/src/lib/config.ts). */
export interface WebRuntimeConfig {
  readonly stage: string;
  readonly region: string;
  readonly graphqlUrl: string;
  readonly userPoolId: string;
  readonly userPoolClientId: string;
  readonly identityPoolId: string;
  readonly guestAuthMode: 'iam';
  readonly chatMessagingEndpoint: string;
  readonly replayBaseUrl: string;
  /** Base URL of the analytics events endpoint (`POST {analyticsUrl}/events`). */
  readonly analyticsUrl: string;
  readonly player: { readonly lowLatency: boolean; readonly dvrWindowMinutes: number };
  /** Days the age gate's consent is remembered (stage config ageGateConsentDays). */
  readonly ageGateConsentDays?: number;
}

export interface WebProps {
  /** Prefix of the Amplify app's name (`<prefix>-web`) and of its deployment's id. */
  readonly prefix: string;
  /** What deleting the stack does to the bucket the site is deployed from (DESTROY also empties it). */
  readonly removalPolicy: RemovalPolicy;
  /** Directory of the static build (`frontend/dist`). */
  readonly distPath: string;
  /** Written to `/runtime-config.json` beside the build: how the same build finds this stage's backend. */
  readonly runtimeConfig: WebRuntimeConfig;
  /** Receives the access logs of the bucket the site is deployed from. */
  readonly logsBucket: IBucket;
  /**
   * A domain of the account's Route 53 to serve the site on, besides Amplify's default domain.
   * @default only Amplify's default domain (`https://main.<app id>.amplifyapp.com`)
   */
  readonly customDomain?: { readonly domainName: string; readonly subDomain: string };
}

/** Content Security Policy for the app: IVS player (WASM, blob workers), AppSync, Cognito, IVS Chat. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  // Astro islands bootstrap with a small inline script; the IVS player compiles WebAssembly.
  "script-src 'self' 'unsafe-inline' 'wasm-unsafe-eval'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob: https:",
  "media-src 'self' blob: https:",
  "worker-src 'self' blob:",
  // blob: the replay's signed playlists, which the page prepares in memory for the player (docs/safety.md, "Replays").
  "connect-src 'self' blob: https://*.amazonaws.com wss://*.amazonaws.com https://*.live-video.net wss://*.live-video.net https://*.cloudfront.net",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/** The Amplify branch that serves the site. */
const BRANCH = 'main';
/** Where the site (build + runtime config) is staged for Amplify in the source bucket. */
const SITE_PREFIX = 'site';

/**
 * The web app on Amplify Hosting (no Git connection). At deploy time the static build and a
 * `/runtime-config.json` generated from this stack's values are written together under one S3
 * prefix, and Amplify deploys that prefix (StartDeployment, source type BUCKET_PREFIX): the config
 * is a file of the site itself, served from the same origin as the pages, so the same build works
 * in every stage without a rewrite to another origin.
 */
export class Web extends Construct {
  readonly app: AmplifyApp;
  readonly url: string;
  /** Every URL the site answers on (Amplify default domain, plus the custom domain if any). */
  readonly origins: string[];
  readonly sourceBucket: Bucket;

  constructor(scope: Construct, id: string, props: WebProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.app = new AmplifyApp(this, 'App', {
      appName: `${props.prefix}-web`,
      platform: Platform.WEB,
      customRules: [
        // Client-routed pages (docs/web.md, "Hosting contract").
        new CustomRule({ source: '/u/<*>', target: '/u/index.html', status: RedirectStatus.REWRITE }),
        new CustomRule({ source: '/replay/<*>', target: '/replay/index.html', status: RedirectStatus.REWRITE }),
      ],
      customResponseHeaders: [
        {
          pattern: '**/*',
          headers: {
            'Strict-Transport-Security': 'max-age=31536000; includeSubDomains',
            'X-Content-Type-Options': 'nosniff',
            'X-Frame-Options': 'DENY',
            'Referrer-Policy': 'strict-origin-when-cross-origin',
            'Permissions-Policy': 'camera=(), microphone=(), geolocation=()',
            'Content-Security-Policy': CONTENT_SECURITY_POLICY,
          },
        },
        { pattern: '/runtime-config.json', headers: { 'Cache-Control': 'no-cache' } },
        // Astro names these files by content hash: a returning viewer reuses them (the IVS player's 2.1 MB WASM) without asking.
        { pattern: '/_astro/**/*', headers: { 'Cache-Control': 'public, max-age=31536000, immutable' } },
      ],
    });
    const branch = this.app.addBranch(BRANCH, { autoBuild: false, stage: 'PRODUCTION' });
    if (props.customDomain) {
      const domain = this.app.addDomain(props.customDomain.domainName, { enableAutoSubdomain: false });
      domain.mapSubDomain(branch, props.customDomain.subDomain);
    }
    const defaultUrl = `https://${BRANCH}.${this.app.defaultDomain}`;
    this.url = props.customDomain
      ? `https://${props.customDomain.subDomain ? `${props.customDomain.subDomain}.` : ''}${props.customDomain.domainName}`
      : defaultUrl;
    this.origins = props.customDomain ? [this.url, defaultUrl] : [defaultUrl];

    this.sourceBucket = new Bucket(this, 'SiteSource', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: props.logsBucket,
      serverAccessLogsPrefix: 'site-source-bucket/',
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: props.removalPolicy === RemovalPolicy.DESTROY,
    });
    const build = new Asset(this, 'StaticBuild', { path: props.distPath });
    const files = new BucketDeployment(this, 'SiteFiles', {
      destinationBucket: this.sourceBucket,
      destinationKeyPrefix: `${SITE_PREFIX}/`,
      sources: [
        Source.bucket(build.bucket, build.s3ObjectKey),
        Source.jsonData('runtime-config.json', props.runtimeConfig),
      ],
      prune: true,
    });

    // Amplify reads the prefix as its own service principal, for this branch only (the source ARN
    // must be URL-encoded: https://docs.aws.amazon.com/amplify/latest/userguide/deploy-with-sdks.html).
    const branchArn = `arn:${stack.partition}:amplify:${stack.region}:${stack.account}:apps/${this.app.appId}/branches/${BRANCH}`;
    const encodedBranchArn = Fn.join('', [
      'arn%3A',
      stack.partition,
      '%3Aamplify%3A',
      stack.region,
      '%3A',
      stack.account,
      '%3Aapps%2F',
      this.app.appId,
      `%2Fbranches%2F${BRANCH}`,
    ]);
    const fromThisBranch = { StringEquals: { 'aws:SourceAccount': stack.account, 'aws:SourceArn': encodedBranchArn } };
    const amplify = new ServicePrincipal('amplify.amazonaws.com');
    this.sourceBucket.addToResourcePolicy(
      new PolicyStatement({
        principals: [amplify],
        actions: ['s3:ListBucket'],
        resources: [this.sourceBucket.bucketArn],
        conditions: fromThisBranch,
      }),
    );
    this.sourceBucket.addToResourcePolicy(
      new PolicyStatement({
        principals: [amplify],
        actions: ['s3:GetObject'],
        resources: [this.sourceBucket.arnForObjects(`${SITE_PREFIX}/*`)],
        conditions: fromThisBranch,
      }),
    );

    const startDeployment = {
      service: 'Amplify',
      action: 'startDeployment',
      parameters: {
        appId: this.app.appId,
        branchName: BRANCH,
        sourceUrl: `s3://${this.sourceBucket.bucketName}/${SITE_PREFIX}/`,
        sourceUrlType: 'BUCKET_PREFIX',
      },
      physicalResourceId: PhysicalResourceId.of(`${props.prefix}-web-deployment`),
    };
    const deployment = new AwsCustomResource(this, 'Deployment', {
      onCreate: startDeployment,
      onUpdate: startDeployment,
      policy: AwsCustomResourcePolicy.fromStatements([
        new PolicyStatement({ actions: ['amplify:StartDeployment'], resources: [branchArn] }),
      ]),
      installLatestAwsSdk: false,
    });
    // Redeploy whenever the build or the runtime config changes: CloudFormation updates a custom
    // resource only when its properties change, and the SDK call's parameters stay the same.
    const cfn = deployment.node.findChild('Resource').node.defaultChild as CfnResource;
    cfn.addPropertyOverride('SiteFingerprint', {
      build: build.assetHash,
      config: stack.toJsonString(props.runtimeConfig),
    });
    deployment.node.addDependency(files, this.sourceBucket.policy ?? this.sourceBucket, branch);
  }
}
