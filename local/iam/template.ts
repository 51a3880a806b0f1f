/**
 * The platform's IAM policies as CloudFormation will create them: the stack is synthesized
 * in-process (asset bundling skipped: policies do not depend on bundles) and each Lambda role's
 * policy statements are read from the template, with intrinsics resolved to the local mode's names
 * and ARNs. One source of truth: what the template grants is what the local stand-ins allow.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { loadStageConfig } from '../../lib/config';
import { PlatformStack } from '../../lib/stacks/platform-stack';

const ROOT = join(import.meta.dirname, '..', '..');

/** A CloudFormation template, as far as this module reads it. */
export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
}

/** An IAM policy document (statements as CloudFormation holds them, intrinsics resolved). */
export interface PolicyDocument {
  Version?: string;
  Statement: Record<string, unknown>[];
}

/** Where the template's resources live locally. */
export interface LocalNames {
  region: string;
  account: string;
  /**
   * The local value of `Ref` (attribute undefined) or `Fn::GetAtt` of a resource, when the local
   * stand-in names it differently from the template (e.g. the recordings bucket); undefined: derived.
   * `derived` is the value this module would use (for `Ref`, e.g. the table's `TableName`).
   */
  override?: (logicalId: string, type: string, attribute?: string, derived?: string) => string | undefined;
}

/** Stage the local mode synthesizes: the dev stage with the local mode's prefix and resource tag. */
export const LOCAL_PREFIX = 'local';

/**
 * Synthesizes the platform stack for the local stage (prefix `local`, so table, topic and function
 * names and the `platform` tag equal the local mode's) without bundling any Lambda.
 */
export function synthesizeTemplate(stage = 'dev', prefix = LOCAL_PREFIX): CfnTemplate {
  const context = (JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')) as { context: Record<string, unknown> })
    .context;
  const stages = context.stages as Record<string, Record<string, unknown>>;
  const outdir = mkdtempSync(join(tmpdir(), 'iam-cdk-out-'));
  const dist = mkdtempSync(join(tmpdir(), 'iam-web-dist-'));
  try {
    const app = new App({
      outdir,
      context: {
        ...context,
        stage: 'local',
        stages: { ...stages, local: { ...stages[stage], prefix } },
        'aws:cdk:bundling-stacks': [],
      },
    });
    const config = loadStageConfig((k) => app.node.tryGetContext(k));
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>iam</title>');
    const stack = new PlatformStack(app, `${prefix}-platform`, { config, webDistPath: dist });
    return app.synth().getStackArtifact(stack.artifactId).template as CfnTemplate;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
    rmSync(dist, { recursive: true, force: true });
  }
}

type Json = unknown;

/** Resolves Ref, Fn::GetAtt, Fn::Join, Fn::Sub, Fn::Select and pseudo parameters to local values. */
export function createResolver(template: CfnTemplate, names: LocalNames): (value: Json) => Json {
  const { region, account } = names;
  const pseudo: Record<string, string> = {
    'AWS::Partition': 'aws',
    'AWS::Region': region,
    'AWS::AccountId': account,
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': `${LOCAL_PREFIX}-platform`,
  };
  const prop = (id: string, key: string): string | undefined => {
    const v = template.Resources[id]?.Properties?.[key];
    return v === undefined ? undefined : String(resolve(v));
  };
  const ref = (id: string): string => {
    if (pseudo[id]) return pseudo[id];
    const r = template.Resources[id];
    if (!r) throw new Error(`Ref to unknown resource ${id}`);
    const derived = derivedRef(id, r.Type);
    return names.override?.(id, r.Type, undefined, derived) ?? derived;
  };
  const derivedRef = (id: string, type: string): string => {
    switch (type) {
      case 'AWS::DynamoDB::GlobalTable':
      case 'AWS::DynamoDB::Table':
        return prop(id, 'TableName') ?? id;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${account}:${prop(id, 'TopicName') ?? id}`;
      case 'AWS::S3::Bucket':
        return prop(id, 'BucketName') ?? id.toLowerCase();
      case 'AWS::Lambda::Function':
        return prop(id, 'FunctionName') ?? id;
      case 'AWS::IAM::Role':
        return prop(id, 'RoleName') ?? id;
      case 'AWS::SQS::Queue':
        return `https://sqs.${region}.amazonaws.com/${account}/${prop(id, 'QueueName') ?? id}`;
      case 'AWS::SES::EmailIdentity':
        return prop(id, 'EmailIdentity') ?? id;
      case 'AWS::SES::ConfigurationSet':
        return prop(id, 'Name') ?? id;
      case 'AWS::Events::EventBus':
        return prop(id, 'Name') ?? id;
      case 'AWS::Scheduler::ScheduleGroup':
        return prop(id, 'Name') ?? id;
      default:
        return id;
    }
  };
  const att = (id: string, attribute: string): string => {
    const r = template.Resources[id];
    if (!r) throw new Error(`Fn::GetAtt of unknown resource ${id}`);
    const override = names.override?.(id, r.Type, attribute);
    if (override) return override;
    const name = ref(id);
    switch (`${r.Type}.${attribute}`) {
      case 'AWS::DynamoDB::GlobalTable.Arn':
      case 'AWS::DynamoDB::Table.Arn':
        return `arn:aws:dynamodb:${region}:${account}:table/${name}`;
      case 'AWS::DynamoDB::GlobalTable.StreamArn':
      case 'AWS::DynamoDB::Table.StreamArn':
        return `arn:aws:dynamodb:${region}:${account}:table/${name}/stream/local`;
      case 'AWS::S3::Bucket.Arn':
        return `arn:aws:s3:::${name}`;
      case 'AWS::SNS::Topic.TopicArn':
        return name;
      case 'AWS::Lambda::Function.Arn':
        return `arn:aws:lambda:${region}:${account}:function:${name}`;
      case 'AWS::IAM::Role.Arn':
        return `arn:aws:iam::${account}:role/${name}`;
      case 'AWS::IVS::RecordingConfiguration.Arn':
        return `arn:aws:ivs:${region}:${account}:recording-configuration/${id}`;
      case 'AWS::IVSChat::LoggingConfiguration.Arn':
        return `arn:aws:ivschat:${region}:${account}:logging-configuration/${id}`;
      case 'AWS::Events::EventBus.Arn':
        return `arn:aws:events:${region}:${account}:event-bus/${name}`;
      case 'AWS::Events::EventBus.Name':
        return name;
      case 'AWS::SQS::Queue.Arn':
        return `arn:aws:sqs:${region}:${account}:${name.split('/').pop() ?? id}`;
      case 'AWS::SQS::Queue.QueueName':
        return name.split('/').pop() ?? id;
      case 'AWS::SQS::Queue.QueueUrl':
        return name;
      case 'AWS::KMS::Key.Arn':
        return `arn:aws:kms:${region}:${account}:key/${id}`;
      case 'AWS::Cognito::UserPool.Arn':
        return `arn:aws:cognito-idp:${region}:${account}:userpool/${name}`;
      case 'AWS::AppSync::GraphQLApi.Arn':
        return `arn:aws:appsync:${region}:${account}:apis/${id}`;
      case 'AWS::AppSync::GraphQLApi.ApiId':
        return id;
      default:
        return `arn:aws:local:${region}:${account}:${id}/${attribute}`;
    }
  };
  const sub = (text: string, vars: Record<string, Json>): string =>
    text.replace(/\$\{([^}!][^}]*)\}/g, (_, key: string) => {
      if (key in vars) return String(resolve(vars[key]));
      const [id, attribute] = key.split('.') as [string, string | undefined];
      return attribute ? att(id, attribute) : ref(id);
    });
  function resolve(value: Json): Json {
    if (Array.isArray(value)) return value.map(resolve);
    if (!value || typeof value !== 'object') return value;
    const o = value as Record<string, Json>;
    const keys = Object.keys(o);
    if (keys.length === 1) {
      const [k] = keys as [string];
      const v = o[k];
      if (k === 'Ref') return ref(String(v));
      if (k === 'Fn::GetAtt') {
        const [id, attribute] = (Array.isArray(v) ? v : String(v).split('.')) as [string, string];
        return att(id, attribute);
      }
      if (k === 'Fn::Join') {
        const [sep, parts] = v as [string, Json[]];
        return (resolve(parts) as Json[]).map(String).join(sep);
      }
      if (k === 'Fn::Sub')
        return Array.isArray(v) ? sub(String(v[0]), v[1] as Record<string, Json>) : sub(String(v), {});
      if (k === 'Fn::Select') {
        const [i, list] = v as [Json, Json];
        return (resolve(list) as Json[])[Number(resolve(i))];
      }
      if (k === 'Fn::Split') {
        const [sep, text] = v as [string, Json];
        return String(resolve(text)).split(sep);
      }
    }
    return Object.fromEntries(keys.map((key) => [key, resolve(o[key])]));
  }
  return resolve;
}

/** Identity policies of one role: its inline policies and every AWS::IAM::Policy attached to it. */
function rolePolicies(
  template: CfnTemplate,
  roleId: string,
  resolve: (v: Json) => Json,
): { name: string; policy: PolicyDocument }[] {
  const out: { name: string; policy: PolicyDocument }[] = [];
  const role = template.Resources[roleId];
  for (const p of (role?.Properties?.Policies as { PolicyName: string; PolicyDocument: Json }[] | undefined) ?? []) {
    out.push({ name: String(p.PolicyName), policy: resolve(p.PolicyDocument) as PolicyDocument });
  }
  for (const [id, r] of Object.entries(template.Resources)) {
    if (r.Type !== 'AWS::IAM::Policy') continue;
    const roles = (r.Properties?.Roles as Json[] | undefined) ?? [];
    if (roles.some((x) => (x as { Ref?: string }).Ref === roleId))
      out.push({ name: id, policy: resolve(r.Properties?.PolicyDocument) as PolicyDocument });
  }
  return out;
}

/** A principal whose policies the local stand-ins evaluate. */
export interface Principal {
  /** Caller name the stand-ins see (`<function>` for catalog functions). */
  name: string;
  roleArn: string;
  policies: { name: string; policy: PolicyDocument }[];
}

/**
 * The principals of the template by caller name: each Lambda function under its catalog name
 * (`FunctionName` minus the `<prefix>-` prefix), with its execution role's policies.
 */
export function principalsFromTemplate(
  template: CfnTemplate,
  names: LocalNames,
  prefix = LOCAL_PREFIX,
): Map<string, Principal> {
  const resolve = createResolver(template, names);
  const out = new Map<string, Principal>();
  for (const r of Object.values(template.Resources)) {
    if (r.Type !== 'AWS::Lambda::Function') continue;
    const fnName = r.Properties?.FunctionName;
    const roleAtt = (r.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined)?.['Fn::GetAtt'];
    if (typeof fnName !== 'string' || !fnName.startsWith(`${prefix}-`) || !roleAtt) continue;
    const name = fnName.slice(prefix.length + 1);
    out.set(name, {
      name,
      roleArn: String(resolve({ 'Fn::GetAtt': roleAtt })),
      policies: rolePolicies(template, roleAtt[0], resolve),
    });
  }
  return out;
}

/** Every Lambda function's environment variables from the template, resolved (by catalog name). */
export function environmentsFromTemplate(
  template: CfnTemplate,
  names: LocalNames,
  prefix = LOCAL_PREFIX,
): Map<string, Record<string, string>> {
  const resolve = createResolver(template, names);
  const out = new Map<string, Record<string, string>>();
  for (const r of Object.values(template.Resources)) {
    const fnName = r.Properties?.FunctionName;
    if (r.Type !== 'AWS::Lambda::Function' || typeof fnName !== 'string' || !fnName.startsWith(`${prefix}-`)) continue;
    const vars = ((r.Properties?.Environment as { Variables?: Json } | undefined)?.Variables ?? {}) as Record<
      string,
      Json
    >;
    out.set(
      fnName.slice(prefix.length + 1),
      Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, String(resolve(v))])),
    );
  }
  return out;
}
