/** The synthesized template, construct by construct, plus cdk-nag. */
import { Match } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { findResolverFiles } from '../../../lib/api/resolver-files';
import { FUNCTIONS } from '../../../lib/functions/catalog';
import { buildStack } from './stack';

type Built = ReturnType<typeof buildStack>;
let built: Built;
const t = () => built.template;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
const resources = (type: string): Record<string, Loose> => t().findResources(type);
const only = (type: string): Loose => {
  const all = Object.values(resources(type));
  expect(all).toHaveLength(1);
  return all[0];
};
const policiesOf = (fnName: string): Loose[] => {
  const fnId = Object.entries(resources('AWS::Lambda::Function')).find(([, r]) => r.Properties.FunctionName === `lvs-dev-${fnName}`)?.[0];
  const roleRef = resources('AWS::Lambda::Function')[fnId as string].Properties.Role['Fn::GetAtt'][0];
  return Object.values(resources('AWS::IAM::Policy')).filter((p) => p.Properties.Roles.some((r: Loose) => r.Ref === roleRef))
    .flatMap((p) => p.Properties.PolicyDocument.Statement);
};
const actionsOf = (statements: Loose[]): string[] => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

beforeAll(() => {
  built = buildStack();
});

describe('data', () => {
  it('creates the single table with its keys, three GSIs, PITR, TTL and a stream, on demand', () => {
    const tables = Object.values(resources('AWS::DynamoDB::GlobalTable'));
    const main = tables.find((x) => x.Properties.TableName === 'lvs-dev-Main');
    expect(main.Properties).toMatchObject({
      KeySchema: [{ AttributeName: 'PK', KeyType: 'HASH' }, { AttributeName: 'SK', KeyType: 'RANGE' }],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
    });
    expect(main.Properties.GlobalSecondaryIndexes.map((g: Loose) => g.IndexName)).toEqual(['GSI1', 'GSI2', 'GSI3']);
    expect(main.Properties.Replicas[0].PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(main.Properties.Replicas[0].DeletionProtectionEnabled).toBe(false);
    const idem = tables.find((x) => x.Properties.TableName === 'lvs-dev-Idempotency');
    expect(idem.Properties.TimeToLiveSpecification).toEqual({ AttributeName: 'expiration', Enabled: true });
  });

  it('protects tables from deletion in prod', () => {
    const prod = buildStack('prod');
    const main = Object.values(prod.template.findResources('AWS::DynamoDB::GlobalTable')).find((x: Loose) => x.Properties.TableName === 'lvs-prod-Main') as Loose;
    expect(main.Properties.Replicas[0].DeletionProtectionEnabled).toBe(true);
    expect(main.DeletionPolicy).toBe('Retain');
  });
});

describe('auth', () => {
  it('has an email sign-in user pool with handle, strong passwords, verification and a web client with SRP and password auth', () => {
    t().hasResourceProperties('AWS::Cognito::UserPool', {
      UsernameAttributes: ['email'],
      AutoVerifiedAttributes: ['email'],
      Policies: { PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireSymbols: true, RequireNumbers: true, RequireUppercase: true, RequireLowercase: true }) },
      Schema: Match.arrayWith([Match.objectLike({ Name: 'email', Required: true })]),
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: false },
      LambdaConfig: { PostConfirmation: Match.anyValue() },
    });
    t().hasResourceProperties('AWS::Cognito::UserPool', { Schema: Match.arrayWith([Match.objectLike({ Name: 'preferred_username', Required: true })]) });
    t().hasResourceProperties('AWS::Cognito::UserPoolClient', {
      ExplicitAuthFlows: Match.arrayWith(['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_USER_SRP_AUTH']),
      GenerateSecret: false,
    });
    t().hasResourceProperties('AWS::Cognito::IdentityPool', { AllowUnauthenticatedIdentities: true });
  });

  it('lets the guest role call only public fields, never a publish mutation', () => {
    const guestRole = Object.entries(resources('AWS::IAM::Role')).find(([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('unauthenticated'));
    expect(guestRole).toBeDefined();
    const statements = Object.values(resources('AWS::IAM::Policy')).filter((p) => p.Properties.Roles.some((r: Loose) => r.Ref === guestRole?.[0]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const arns = JSON.stringify(statements);
    expect(actionsOf(statements)).toEqual(Array(actionsOf(statements).length).fill('appsync:GraphQL'));
    expect(arns).toContain('/types/Query/fields/liveStreams');
    expect(arns).toContain('/types/Subscription/fields/onBidPlaced');
    expect(arns).not.toContain('publish');
    expect(arns).not.toContain('myStreamKey');
  });
});

describe('video', () => {
  it('keeps recordings private, TLS-only, encrypted, in Intelligent-Tiering from day 0 with archive tiers and tag-based expiry', () => {
    const bucket = Object.values(resources('AWS::S3::Bucket')).find((b) => b.Properties.IntelligentTieringConfigurations);
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      IntelligentTieringConfigurations: [{ Id: 'recording-archive-tiers', Status: 'Enabled', Tierings: [
        { AccessTier: 'ARCHIVE_ACCESS', Days: 90 }, { AccessTier: 'DEEP_ARCHIVE_ACCESS', Days: 180 },
      ] }],
    });
    const rules = bucket.Properties.LifecycleConfiguration.Rules;
    expect(rules).toContainEqual(expect.objectContaining({ Id: 'intelligent-tiering-day-0', Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 0 }] }));
    expect(rules).toContainEqual(expect.objectContaining({ Id: 'expire-unsold-recordings', ExpirationInDays: 365, TagFilters: [{ Key: 'classification', Value: 'NO_SALES' }] }));
    const policies = Object.values(resources('AWS::S3::BucketPolicy'));
    expect(JSON.stringify(policies)).toContain('"aws:SecureTransport":"false"');
  });

  it('records with IVS to that bucket with thumbnails and all renditions', () => {
    t().hasResourceProperties('AWS::IVS::RecordingConfiguration', {
      DestinationConfiguration: { S3: { BucketName: Match.anyValue() } },
      ThumbnailConfiguration: { RecordingMode: 'INTERVAL', TargetIntervalSeconds: 60, Storage: ['SEQUENTIAL', 'LATEST'] },
      RenditionConfiguration: { RenditionSelection: 'ALL' },
    });
  });

  it('serves replays through CloudFront with origin access control and CORS', () => {
    // Recordings and the runtime config file: both private buckets behind origin access control.
    expect(Object.values(resources('AWS::CloudFront::OriginAccessControl'))).toHaveLength(2);
    const dist = only('AWS::CloudFront::Distribution');
    const origins = dist.Properties.DistributionConfig.Origins;
    expect(origins).toHaveLength(2);
    expect(origins.every((o: Loose) => o.OriginAccessControlId && o.S3OriginConfig)).toBe(true);
    expect(dist.Properties.DistributionConfig.CacheBehaviors).toEqual([expect.objectContaining({ PathPattern: '/runtime-config.json' })]);
    expect(dist.Properties.DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    t().hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({ CorsConfig: Match.objectLike({ AccessControlAllowOrigins: { Items: ['http://localhost:4321'] } }) }),
    });
  });

  it('routes both IVS event types to their handlers', () => {
    const patterns = Object.values(resources('AWS::Events::Rule')).map((r) => r.Properties.EventPattern).filter(Boolean);
    expect(patterns).toContainEqual({ source: ['aws.ivs'], 'detail-type': ['IVS Stream State Change'] });
    expect(patterns).toContainEqual({ source: ['aws.ivs'], 'detail-type': ['IVS Recording State Change'] });
    expect(patterns).toContainEqual({ source: ['aws.ivs'], 'detail-type': ['IVS Stream State Change'], detail: { event_name: ['Stream Start'] } });
  });

  it('grants IVS creates on the channel and the stream key, with the platform tag requested (Service Authorization Reference)', () => {
    const withAction = (fnName: string, action: string) => policiesOf(fnName).filter((s) => actionsOf([s]).includes(action));
    const resourcesOf = (statements: Loose[]) => statements.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource])).map((r) => JSON.stringify(r));
    for (const [fnName, action, types] of [
      ['provision-streamer', 'ivs:CreateChannel', [':channel/*', ':stream-key/*']],
      ['provision-streamer', 'ivs:TagResource', [':channel/*', ':stream-key/*']],
      ['provision-streamer', 'ivs:CreateStreamKey', [':stream-key/*']],
      ['stream-key', 'ivs:CreateStreamKey', [':stream-key/*']],
      ['stream-key', 'ivs:TagResource', [':stream-key/*']],
    ] as const) {
      const statements = withAction(fnName, action);
      for (const type of types) expect(resourcesOf(statements).some((r) => r.includes(type)), `${fnName} ${action} on ${type}`).toBe(true);
      for (const st of statements) expect(st.Condition).toEqual({ StringEquals: { 'aws:RequestTag/platform': 'lvs-dev' } });
    }
    for (const [fnName, action] of [['provision-streamer', 'ivs:ListStreamKeys'], ['stream-key', 'ivs:ListStreamKeys'], ['runtime-teardown', 'ivs:ListStreamKeys'], ['runtime-teardown', 'ivs:DeleteChannel']] as const) {
      const statements = withAction(fnName, action);
      // The channel is checked with its tag; stream-key/* carries no tag to check, so that grant has no condition.
      expect(statements.find((s) => JSON.stringify(s.Resource).includes(':channel/*'))?.Condition, `${fnName} ${action} channel`).toEqual({ StringEquals: { 'aws:ResourceTag/platform': 'lvs-dev' } });
      expect(statements.find((s) => JSON.stringify(s.Resource).includes(':stream-key/*'))?.Condition, `${fnName} ${action} stream-key`).toBeUndefined();
      expect(statements.some((s) => JSON.stringify(s.Resource).includes(':stream-key/*')), `${fnName} ${action} stream-key`).toBe(true);
    }
    expect(actionsOf(policiesOf('sale-markers'))).toContain('ivs:PutMetadata');
    expect(actionsOf(policiesOf('chat-token'))).toContain('ivschat:CreateChatToken');
    expect(actionsOf(policiesOf('chat-token'))).not.toContain('ivschat:DeleteMessage');
  });
});

describe('chat', () => {
  it('lets IVS Chat rooms of this account invoke the review handler, and logs chat', () => {
    t().hasResourceProperties('AWS::Lambda::Permission', {
      Principal: 'ivschat.amazonaws.com', Action: 'lambda:InvokeFunction', SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':room/\\*$')])] },
    });
    t().hasResourceProperties('AWS::IVSChat::LoggingConfiguration', { DestinationConfiguration: { CloudWatchLogs: { LogGroupName: Match.anyValue() } } });
    t().hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: '/lvs-dev/chat', RetentionInDays: 30 });
  });
});

describe('api', () => {
  it('uses Cognito user pools by default and IAM, with X-Ray and logs', () => {
    t().hasResourceProperties('AWS::AppSync::GraphQLApi', {
      AuthenticationType: 'AMAZON_COGNITO_USER_POOLS',
      AdditionalAuthenticationProviders: [{ AuthenticationType: 'AWS_IAM' }],
      XrayEnabled: true,
      LogConfig: Match.objectLike({ FieldLogLevel: 'ERROR' }),
      EnvironmentVariables: { TABLE_NAME: Match.anyValue() },
    });
  });

  it('registers one APPSYNC_JS resolver per resolver file, pipelines included', () => {
    const files = findResolverFiles();
    const registered = Object.values(resources('AWS::AppSync::Resolver'));
    expect(registered).toHaveLength(files.length);
    expect(new Set(registered.map((r) => `${r.Properties.TypeName}.${r.Properties.FieldName}`))).toEqual(new Set(files.map((f) => f.field)));
    expect(registered.every((r) => r.Properties.Runtime.Name === 'APPSYNC_JS')).toBe(true);
    const buyNow = registered.find((r) => r.Properties.FieldName === 'buyNow');
    expect(buyNow.Properties.Kind).toBe('PIPELINE');
    expect(buyNow.Properties.PipelineConfig.Functions).toHaveLength(3);
  });

  it('lets only the publishing Lambdas call publish mutations', () => {
    expect(JSON.stringify(policiesOf('stream-state'))).toContain('/types/Mutation/fields/publishStreamStatus');
    expect(JSON.stringify(policiesOf('social'))).not.toContain('appsync:GraphQL');
  });
});

describe('functions', () => {
  it('creates every catalog function on Node.js 22, arm64, traced, with its own log group', () => {
    const fns = Object.values(resources('AWS::Lambda::Function')).filter((f) => String(f.Properties.FunctionName ?? '').startsWith('lvs-dev-'));
    expect(fns.map((f) => f.Properties.FunctionName).sort()).toEqual(FUNCTIONS.map((f) => `lvs-dev-${f.name}`).sort());
    for (const f of fns) {
      expect(f.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], TracingConfig: { Mode: 'Active' }, LoggingConfig: { LogGroup: expect.anything() } });
      expect(f.Properties.Environment.Variables).toMatchObject({ TABLE_NAME: expect.anything(), POWERTOOLS_SERVICE_NAME: expect.any(String), NODE_OPTIONS: '--enable-source-maps' });
    }
  });

  it('tears down runtime channels and rooms on stack deletion through a custom resource', () => {
    t().hasResourceProperties('Custom::RuntimeResourcesTeardown', { Tag: 'lvs-dev', Stage: 'dev' });
    const teardown = Object.values(resources('AWS::Lambda::Function')).find((f) => f.Properties.FunctionName === 'lvs-dev-runtime-teardown');
    expect(teardown.Properties.Environment.Variables.ALLOW_TEARDOWN).toBe('true');
  });
});

describe('alerts and web', () => {
  it('encrypts the go-live topic with KMS', () => {
    t().hasResourceProperties('AWS::SNS::Topic', { TopicName: 'lvs-dev-go-live', KmsMasterKeyId: Match.anyValue() });
  });

  it('hosts the web app on Amplify from the build asset with rewrites, security headers and a generated runtime config', () => {
    const app = only('AWS::Amplify::App');
    expect(app.Properties.CustomRules).toEqual([
      { Source: '/runtime-config.json', Target: Match.anyValue(), Status: '200' },
      { Source: '/u/<*>', Target: '/u/index.html', Status: '200' },
      { Source: '/replay/<*>', Target: '/replay/index.html', Status: '200' },
    ].map((r) => expect.objectContaining({ Source: r.Source, Status: r.Status })));
    expect(app.Properties.CustomHeaders).toContain('Content-Security-Policy');
    expect(app.Properties.CustomHeaders).toContain('Strict-Transport-Security');
    t().hasResourceProperties('AWS::Amplify::Branch', { BranchName: 'main', EnableAutoBuild: false });
    const deploy = only('Custom::CDKBucketDeployment');
    expect(JSON.stringify(deploy.Properties)).toContain('runtime-config.json');
  });
});

describe('cdk-nag', () => {
  it('reports no unacknowledged AwsSolutions findings in dev and prod', () => {
    for (const b of [built, buildStack('prod')]) {
      const report = new AwsSolutionsChecks(b.app).validateScope(b.stack);
      expect(report.violations.map((v) => `${v.ruleName} @ ${v.violatingResources.map((r) => (r as { constructPath?: string }).constructPath).join(', ')}`)).toEqual([]);
      expect(report.success).toBe(true);
    }
  });
});
