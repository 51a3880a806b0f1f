/**
 * Deploy readiness (issue 13): stack deletion order and retention around the runtime-created
 * channels and rooms, the runtime config shipped inside the Amplify deployment, replay CORS for the
 * deployed site, the user pool client without OAuth, and CloudFormation's template size limits.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { NestedStack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildStack, CDK_CONTEXT } from './stack';

type Built = ReturnType<typeof buildStack>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;
let dev: Built;
let prod: Built;

const entries = (b: Built, type: string): [string, Loose][] => Object.entries(b.template.findResources(type));
const onlyEntry = (b: Built, type: string): [string, Loose] => {
  const all = entries(b, type);
  expect(all).toHaveLength(1);
  return all[0] as [string, Loose];
};
const functionId = (b: Built, name: string): string =>
  entries(b, 'AWS::Lambda::Function').find(
    ([, f]) => f.Properties.FunctionName === `${b.config.prefix}-${name}`,
  )?.[0] as string;

/** Resources each resource needs: Ref, Fn::GetAtt, Fn::Sub references and DependsOn. */
function dependencies(resources: Record<string, Loose>): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  const visit = (node: unknown, into: Set<string>): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n, into);
      return;
    }
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node)) {
      if (k === 'Ref' && typeof v === 'string' && v in resources) into.add(v);
      else if (k === 'Fn::GetAtt' && Array.isArray(v) && typeof v[0] === 'string' && v[0] in resources) into.add(v[0]);
      else if (k === 'Fn::Sub')
        for (const m of JSON.stringify(v).matchAll(/\$\{([A-Za-z0-9]+)[.}]/g))
          if (m[1] && m[1] in resources) into.add(m[1]);
      visit(v, into);
    }
  };
  for (const [id, r] of Object.entries(resources)) {
    const deps = new Set<string>([r.DependsOn ?? []].flat());
    visit(r.Properties, deps);
    graph.set(id, deps);
  }
  return graph;
}

/** One dependency cycle as a list of logical ids, or undefined. */
function findCycle(graph: Map<string, Set<string>>): string[] | undefined {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const dfs = (id: string): string[] | undefined => {
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    path.push(id);
    for (const d of graph.get(id) ?? []) {
      const cycle = dfs(d);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const id of graph.keys()) {
    const cycle = dfs(id);
    if (cycle) return cycle;
  }
  return undefined;
}

beforeAll(() => {
  dev = buildStack('dev');
  prod = buildStack('prod');
});

describe('stack deletion and recording configuration changes', () => {
  it('deletes runtime channels and rooms before the recording configuration, chat logging configuration and review handler they use', () => {
    const [rcId] = onlyEntry(dev, 'AWS::IVS::RecordingConfiguration');
    const [logId] = onlyEntry(dev, 'AWS::IVSChat::LoggingConfiguration');
    const [, teardown] = onlyEntry(dev, 'Custom::RuntimeResourcesTeardown');
    expect(teardown.DependsOn).toEqual(
      expect.arrayContaining([rcId, logId, functionId(dev, 'chat-review'), functionId(dev, 'provision-streamer')]),
    );
    expect(teardown.Properties.RecordingConfigurationArn).toEqual({ 'Fn::GetAtt': [rcId, 'Arn'] });
  });

  it('lets CloudFormation delete the configurations in dev, and retains them in prod where teardown is refused', () => {
    const [, devRc] = onlyEntry(dev, 'AWS::IVS::RecordingConfiguration');
    expect(devRc.DeletionPolicy ?? 'Delete').toBe('Delete');
    expect(onlyEntry(dev, 'AWS::IVSChat::LoggingConfiguration')[1].DeletionPolicy).toBeUndefined();

    const [, prodRc] = onlyEntry(prod, 'AWS::IVS::RecordingConfiguration');
    expect(prodRc.DeletionPolicy).toBe('Retain');
    // A configuration replaced by a settings change is deleted once its channels have moved.
    expect(prodRc.UpdateReplacePolicy).toBe('Delete');
    expect(onlyEntry(prod, 'AWS::IVSChat::LoggingConfiguration')[1].DeletionPolicy).toBe('Retain');
    const [, prodTeardown] = onlyEntry(prod, 'Custom::RuntimeResourcesTeardown');
    expect(prodTeardown.Properties).toMatchObject({
      Stage: 'prod',
      RecordingConfigurationArn: { 'Fn::GetAtt': [onlyEntry(prod, 'AWS::IVS::RecordingConfiguration')[0], 'Arn'] },
    });
  });

  it('hands a replaced configuration (new thumbnail settings) to the custom resource that moves the channels, which may update tagged channels only', () => {
    const stages = CDK_CONTEXT['stages'] as Record<string, Loose>;
    const changed = buildStack('dev', {
      stages: {
        ...stages,
        dev: {
          ...stages['dev'],
          recordings: { ...stages['dev'].recordings, thumbnailIntervalSeconds: 10, renditions: 'HIGHEST' },
        },
      },
    });
    const [rcId, rc] = onlyEntry(changed, 'AWS::IVS::RecordingConfiguration');
    expect(rc.Properties.ThumbnailConfiguration.TargetIntervalSeconds).toBe(10);
    expect(rc.Properties.RenditionConfiguration).toEqual({
      RenditionSelection: 'CUSTOM',
      Renditions: ['FULL_HD', 'HD'],
    });
    expect(onlyEntry(changed, 'Custom::RuntimeResourcesTeardown')[1].Properties.RecordingConfigurationArn).toEqual({
      'Fn::GetAtt': [rcId, 'Arn'],
    });

    const roleId = (dev.template.findResources('AWS::Lambda::Function')[functionId(dev, 'runtime-teardown')] as Loose)
      .Properties.Role['Fn::GetAtt'][0];
    const statements = Object.values(dev.template.findResources('AWS::IAM::Policy'))
      .filter((p: Loose) => p.Properties.Roles.some((r: Loose) => r.Ref === roleId))
      .flatMap((p: Loose) => p.Properties.PolicyDocument.Statement);
    const update = statements.find((s: Loose) => [s.Action].flat().includes('ivs:UpdateChannel'));
    expect(update.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/platform': 'lvs-dev' } });
    expect(JSON.stringify(update.Resource)).toContain(':channel/*');
  });
});

describe('web runtime config and replay CORS', () => {
  it('deploys build and runtime-config.json together under one prefix that Amplify deploys from (no rewrite to another origin)', () => {
    const [filesId, files] = onlyEntry(dev, 'Custom::CDKBucketDeployment');
    expect(files.Properties.DestinationBucketKeyPrefix).toBe('site/');
    // The second source is the generated config: its staged asset holds runtime-config.json with
    // deploy-time markers for the stack's values.
    const keys = files.Properties.SourceObjectKeys as string[];
    expect(keys).toHaveLength(2);
    const staged = join(dev.app.synth().directory, `asset.${keys[1]?.replace(/\.zip$/, '')}`);
    const config = JSON.parse(readFileSync(join(staged, 'runtime-config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({
      stage: 'dev',
      guestAuthMode: 'iam',
      graphqlUrl: expect.stringMatching(/^<<marker:/),
      replayBaseUrl: expect.stringMatching(/^https:\/\/<<marker:/),
    });
    expect(Object.values(files.Properties.SourceMarkers[1])).toContainEqual({
      'Fn::GetAtt': [expect.stringMatching(/^Api/), 'GraphQLUrl'],
    });
    expect(entries(dev, 'Custom::AmplifyAssetDeployment')).toHaveLength(0);
    const [, app] = onlyEntry(dev, 'AWS::Amplify::App');
    expect(JSON.stringify(app.Properties.CustomRules)).not.toContain('runtime-config.json');

    const [, start] = onlyEntry(dev, 'Custom::AWS');
    const create = JSON.stringify(start.Properties.Create);
    expect(create).toContain('"service\\":\\"Amplify\\"');
    expect(create).toContain('"action\\":\\"startDeployment\\"');
    expect(create).toContain('BUCKET_PREFIX');
    expect(start.Properties.Update).toEqual(start.Properties.Create);
    expect(start.Properties.SiteFingerprint).toMatchObject({
      build: expect.stringMatching(/^[0-9a-f]{64}$/),
      config: expect.anything(),
    });
    expect(start.DependsOn).toEqual(expect.arrayContaining([expect.stringMatching(/^WebSiteFilesCustomResource/)]));
    expect(filesId).toMatch(/^WebSiteFilesCustomResource/);
  });

  it("lets only Amplify, for this app's branch, read the site prefix", () => {
    const policy = entries(dev, 'AWS::S3::BucketPolicy')
      .map(([, p]) => p)
      .find((p) => JSON.stringify(p).includes('amplify.amazonaws.com'));
    const statements = policy.Properties.PolicyDocument.Statement.filter(
      (s: Loose) => s.Principal?.Service === 'amplify.amazonaws.com',
    );
    expect(statements.map((s: Loose) => s.Action).sort()).toEqual(['s3:GetObject', 's3:ListBucket']);
    for (const s of statements) {
      expect(s.Condition.StringEquals['aws:SourceAccount']).toEqual({ Ref: 'AWS::AccountId' });
      expect(JSON.stringify(s.Condition.StringEquals['aws:SourceArn'])).toContain('%2Fbranches%2Fmain');
    }
    expect(JSON.stringify(statements.find((s: Loose) => s.Action === 's3:GetObject').Resource)).toContain('/site/*');
  });

  it('has no dependency cycle between the site, its runtime config and the replay distribution (dev, prod)', () => {
    for (const b of [dev, prod]) expect(findCycle(dependencies(b.template.toJSON().Resources))).toBeUndefined();
    // The check itself finds a cycle when there is one.
    expect(findCycle(dependencies({ A: { Properties: { x: { Ref: 'B' } } }, B: { DependsOn: ['A'] } }))).toEqual([
      'A',
      'B',
      'A',
    ]);
  });

  it('allows the deployed site (default and custom domain) to fetch replays, without credentials, on the distribution and the bucket', () => {
    const stages = CDK_CONTEXT['stages'] as Record<string, Loose>;
    const custom = buildStack('prod', {
      stages: {
        ...stages,
        prod: { ...stages['prod'], customDomain: { domainName: 'shop.example.org', subDomain: 'www' } },
      },
    });
    const [, policy] = onlyEntry(custom, 'AWS::CloudFront::ResponseHeadersPolicy');
    const cors = policy.Properties.ResponseHeadersPolicyConfig.CorsConfig;
    expect(cors.AccessControlAllowCredentials).toBe(false);
    expect(cors.AccessControlAllowOrigins.Items[0]).toBe('https://www.shop.example.org');
    expect(JSON.stringify(cors.AccessControlAllowOrigins.Items[1])).toContain('DefaultDomain');
    expect(cors.AccessControlAllowOrigins.Items).toHaveLength(2);
    const recordings = entries(custom, 'AWS::S3::Bucket')
      .map(([, b]) => b)
      .find((b) => b.Properties.IntelligentTieringConfigurations);
    expect(recordings.Properties.CorsConfiguration.CorsRules[0].AllowedOrigins).toEqual(
      cors.AccessControlAllowOrigins.Items,
    );
    expect(findCycle(dependencies(custom.template.toJSON().Resources))).toBeUndefined();
  });
});

describe('auth', () => {
  it('leaves OAuth off the web client: no implicit flow, no placeholder callback URL', () => {
    const [, client] = onlyEntry(dev, 'AWS::Cognito::UserPoolClient');
    expect(client.Properties.AllowedOAuthFlowsUserPoolClient).toBe(false);
    expect(client.Properties.AllowedOAuthFlows).toBeUndefined();
    expect(client.Properties.CallbackURLs).toBeUndefined();
    expect(JSON.stringify(dev.template.toJSON())).not.toContain('https://example.com');
  });
});

describe('CloudFormation template limits', () => {
  // https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html
  const MAX_TEMPLATE_BYTES = 1_000_000;
  const MAX_RESOURCES = 500;

  it.each(['dev', 'prod'])(
    '%s stays below 80% of the template body size (1 MB through S3) and of the resource count (500)',
    (stage) => {
      const b = stage === 'dev' ? dev : prod;
      const artifact = b.app.synth().getStackByName(b.stack.stackName);
      const bytes = statSync(artifact.templateFullPath).size;
      const resources = Object.keys(b.template.toJSON().Resources).length;
      console.info(
        `${b.stack.stackName}: template ${(bytes / 1000).toFixed(0)} KB of ${MAX_TEMPLATE_BYTES / 1000} KB, ${resources} of ${MAX_RESOURCES} resources`,
      );
      expect(bytes).toBeLessThan(MAX_TEMPLATE_BYTES * 0.8);
      expect(resources).toBeLessThan(MAX_RESOURCES * 0.8);
    },
  );

  it("keeps every catalog function in the main template (the local mode's IAM view, local/iam/template.ts, reads only that one)", () => {
    const nested = dev.stack.node.findAll().filter((c): c is NestedStack => c instanceof NestedStack);
    expect(nested.length).toBeGreaterThan(0);
    for (const n of nested) {
      const names = Object.values(Template.fromStack(n).findResources('AWS::Lambda::Function')).map(
        (f: Loose) => f.Properties.FunctionName,
      );
      expect(names.filter((name) => typeof name === 'string' && name.startsWith(`${dev.config.prefix}-`))).toEqual([]);
    }
  });
});
