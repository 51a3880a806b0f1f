/** The Api construct in the platform stack: authorization modes, resolvers, and who may call which fields. */
import { NestedStack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { findResolverFiles } from '../../../lib/api/resolver-files';
import { actionsOf, type Loose, useDevStack } from './stack';

const stack = useDevStack();
const t = stack.t;
const resources = stack.resources;
const policiesOf = stack.policiesOf;

describe('api', () => {
  it('lets the guest role call only public fields, never a publish mutation', () => {
    const guestRole = Object.entries(resources('AWS::IAM::Role')).find(([, r]) =>
      JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('unauthenticated'),
    );
    expect(guestRole).toBeDefined();
    const statements = Object.values(resources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: Loose) => r.Ref === guestRole?.[0]))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);
    const arns = JSON.stringify(statements);
    expect(actionsOf(statements)).toEqual(Array(actionsOf(statements).length).fill('appsync:GraphQL'));
    expect(arns).toContain('/types/Query/fields/liveStreams');
    expect(arns).toContain('/types/Subscription/fields/onBidPlaced');
    expect(arns).not.toContain('publish');
    expect(arns).not.toContain('myStreamKey');
  });

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
    expect(new Set(registered.map((r) => `${r.Properties.TypeName}.${r.Properties.FieldName}`))).toEqual(
      new Set(files.map((f) => f.field)),
    );
    expect(registered.every((r) => r.Properties.Runtime.Name === 'APPSYNC_JS')).toBe(true);
    const buyNow = registered.find((r) => r.Properties.FieldName === 'buyNow');
    // accountGate, then getProduct → getProfile → audienceGate → buyNowWrite (Mutation.buyNow.ts).
    expect(buyNow.Properties.Kind).toBe('PIPELINE');
    expect(buyNow.Properties.PipelineConfig.Functions).toHaveLength(5);
  });

  it('keeps data sources and resolvers in the main stack, their roles and the pipeline functions in nested stacks', () => {
    const api = stack.built().stack.node.findChild('Api');
    const roles = Template.fromStack(api.node.findChild('Roles') as NestedStack);
    const pipeline = Template.fromStack(api.node.findChild('Pipeline') as NestedStack);
    const sources = Object.values(resources('AWS::AppSync::DataSource')).filter((s) => s.Properties.Type !== 'NONE');
    expect(sources.length).toBeGreaterThan(1);
    // Each backed data source's role comes from the Roles stack, through one of its outputs.
    expect(sources.every((s) => JSON.stringify(s.Properties.ServiceRoleArn).includes('Outputs.'))).toBe(true);
    expect(Object.keys(roles.findResources('AWS::IAM::Role'))).toHaveLength(sources.length);
    expect(Object.keys(resources('AWS::AppSync::FunctionConfiguration'))).toHaveLength(0);
    expect(Object.keys(pipeline.findResources('AWS::AppSync::FunctionConfiguration')).length).toBeGreaterThan(0);
  });

  it("hands the resolvers the stage's economy (settings and gift catalog) as environment variables", () => {
    const api = Object.values(resources('AWS::AppSync::GraphQLApi'))[0];
    const env = api.Properties.EnvironmentVariables as Record<string, string>;
    expect(JSON.parse(env.ECONOMY as string)).toMatchObject({
      standardSharePercent: 50,
      premiumSharePercent: 90,
      minimumPayoutMinor: 1000,
    });
    expect((JSON.parse(env.GIFT_CATALOG as string) as unknown[]).length).toBeGreaterThan(0);
    const sendGift = Object.values(resources('AWS::AppSync::Resolver')).find(
      (r) => r.Properties.FieldName === 'sendGift',
    );
    // accountGate, audienceGate, then giftLoad → giftWrite → giftWriteRetry → giftReceipt.
    expect(sendGift.Properties.PipelineConfig.Functions).toHaveLength(6);
  });

  it('runs the one account gate first in every mutation a signed-in user can call, and in no publish mutation', () => {
    const mutations = Object.values(resources('AWS::AppSync::Resolver')).filter(
      (r) => r.Properties.TypeName === 'Mutation',
    );
    const gated = mutations.filter((r) => !String(r.Properties.FieldName).startsWith('publish'));
    const publishes = mutations.filter((r) => String(r.Properties.FieldName).startsWith('publish'));
    expect(gated.length).toBeGreaterThan(40);
    expect(publishes.length).toBeGreaterThan(3);
    expect(gated.filter((r) => r.Properties.Kind !== 'PIPELINE').map((r) => r.Properties.FieldName)).toEqual([]);
    const firsts = new Set(gated.map((r) => JSON.stringify(r.Properties.PipelineConfig.Functions[0])));
    expect(firsts.size).toBe(1);
    expect(publishes.every((r) => r.Properties.Kind === 'UNIT')).toBe(true);
    // A unit resolver's own code became the pipeline's last function; the resolver passes its result on.
    const follow = gated.find((r) => r.Properties.FieldName === 'follow');
    expect(follow.Properties.PipelineConfig.Functions).toHaveLength(2);
    expect(follow.Properties.Code).toContain('ctx.prev.result');
    const api = stack.built().stack.node.findChild('Api');
    const pipeline = Template.fromStack(api.node.findChild('Pipeline') as NestedStack);
    const gate = Object.values(pipeline.findResources('AWS::AppSync::FunctionConfiguration')).filter(
      (f) => f.Properties.Name === 'accountGate',
    );
    expect(gate).toHaveLength(1);
    expect(gate[0]?.Properties.Code).toContain('SUSPENSION');
  });

  it('lets only the publishing Lambdas call publish mutations', () => {
    expect(JSON.stringify(policiesOf('stream-state'))).toContain('/types/Mutation/fields/publishStreamStatus');
    expect(JSON.stringify(policiesOf('social'))).not.toContain('appsync:GraphQL');
    expect(JSON.stringify(policiesOf('gift-fanout'))).toContain('/types/Mutation/fields/publishGift');
  });
});
