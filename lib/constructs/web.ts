import { App as AmplifyApp, CustomRule, Platform, RedirectStatus } from '@aws-cdk/aws-amplify-alpha';
import { RemovalPolicy } from 'aws-cdk-lib';
import { CachePolicy, ViewerProtocolPolicy, type Distribution } from 'aws-cdk-lib/aws-cloudfront';
import { S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
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
  readonly player: { readonly lowLatency: boolean };
}

export interface WebProps {
  readonly prefix: string;
  readonly removalPolicy: RemovalPolicy;
  /** Directory of the static build (`frontend/dist`). */
  readonly distPath: string;
  readonly runtimeConfig: WebRuntimeConfig;
  /** Serves /runtime-config.json (a behavior is added on it). */
  readonly distribution: Distribution;
  readonly logsBucket: IBucket;
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
  "connect-src 'self' https://*.amazonaws.com wss://*.amazonaws.com https://*.live-video.net wss://*.live-video.net https://*.cloudfront.net",
  "frame-ancestors 'none'",
  "base-uri 'self'",
  "form-action 'self'",
].join('; ');

/**
 * The web app on Amplify Hosting, deployed from the CDK asset of the static build (no Git
 * connection). `/runtime-config.json` is generated from this stack's values at deploy time and
 * proxied (200 rewrite) from the replay distribution, so the same build works in every stage.
 */
export class Web extends Construct {
  readonly app: AmplifyApp;
  readonly url: string;
  readonly configBucket: Bucket;

  constructor(scope: Construct, id: string, props: WebProps) {
    super(scope, id);
    const autoDelete = props.removalPolicy === RemovalPolicy.DESTROY;
    this.configBucket = new Bucket(this, 'RuntimeConfig', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: props.logsBucket,
      serverAccessLogsPrefix: 'runtime-config-bucket/',
      removalPolicy: props.removalPolicy,
      autoDeleteObjects: autoDelete,
    });
    new BucketDeployment(this, 'RuntimeConfigFile', {
      destinationBucket: this.configBucket,
      sources: [Source.jsonData('runtime-config.json', props.runtimeConfig)],
      prune: false,
      cacheControl: [],
      distribution: props.distribution,
      distributionPaths: ['/runtime-config.json'],
    });
    props.distribution.addBehavior('/runtime-config.json', S3BucketOrigin.withOriginAccessControl(this.configBucket), {
      viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      cachePolicy: CachePolicy.CACHING_DISABLED,
    });

    this.app = new AmplifyApp(this, 'App', {
      appName: `${props.prefix}-web`,
      platform: Platform.WEB,
      customRules: [
        new CustomRule({
          source: '/runtime-config.json',
          target: `https://${props.distribution.distributionDomainName}/runtime-config.json`,
          status: RedirectStatus.REWRITE,
        }),
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
      ],
    });
    const branch = this.app.addBranch('main', {
      autoBuild: false,
      stage: 'PRODUCTION',
      asset: new Asset(this, 'StaticBuild', { path: props.distPath }),
    });
    if (props.customDomain) {
      const domain = this.app.addDomain(props.customDomain.domainName, { enableAutoSubdomain: false });
      domain.mapSubDomain(branch, props.customDomain.subDomain);
    }
    this.url = props.customDomain
      ? `https://${props.customDomain.subDomain ? `${props.customDomain.subDomain}.` : ''}${props.customDomain.domainName}`
      : `https://main.${this.app.defaultDomain}`;
  }
}
