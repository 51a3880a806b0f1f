/** Builds the platform stack once per test file, with Lambda bundling skipped (bundling has its own test). */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadStageConfig, type StageConfig } from '../../../lib/config';
import { PlatformStack } from '../../../lib/stacks/platform-stack';
import { applyNagSuppressions } from '../../../lib/nag';

export const CDK_CONTEXT = (JSON.parse(readFileSync(join(import.meta.dirname, '../../../cdk.json'), 'utf8')) as { context: Record<string, unknown> }).context;

export function fixtureDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'web-dist-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>fixture</title>');
  return dir;
}

export function buildStack(stage = 'dev', overrides: Record<string, unknown> = {}): { app: App; stack: PlatformStack; template: Template; config: StageConfig } {
  const app = new App({ context: { ...CDK_CONTEXT, ...overrides, stage, 'aws:cdk:bundling-stacks': [] } });
  const config = loadStageConfig((k) => app.node.tryGetContext(k));
  const stack = new PlatformStack(app, `${config.prefix}-platform`, { config, webDistPath: fixtureDist() });
  applyNagSuppressions(stack);
  return { app, stack, template: Template.fromStack(stack), config };
}

// Templates are checked by value.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;

/** Lookups into one synthesized stack that the per-construct tests share. */
export function inspect(built: ReturnType<typeof buildStack>) {
  const resources = (type: string): Record<string, Loose> => built.template.findResources(type);
  const fnEntry = (name: string): [string, Loose] | undefined =>
    Object.entries(resources('AWS::Lambda::Function')).find(([, r]) => r.Properties.FunctionName === `${built.config.prefix}-${name}`);
  return {
    resources,
    /** The one resource of `type` (the test fails when there are more). */
    only(type: string): Loose {
      const all = Object.values(resources(type));
      if (all.length !== 1) throw new Error(`expected one ${type}, found ${all.length}`);
      return all[0];
    },
    /** Logical id of the catalog function `name`. */
    fnId: (name: string): string => fnEntry(name)?.[0] as string,
    /** The function's properties (environment, timeout, ...). */
    fnProps: (name: string): Loose => fnEntry(name)?.[1].Properties,
    /** Every statement of every policy attached to the function's role. */
    policiesOf(name: string): Loose[] {
      const roleRef = fnEntry(name)?.[1].Properties.Role['Fn::GetAtt'][0];
      return Object.values(resources('AWS::IAM::Policy')).filter((p) => p.Properties.Roles.some((r: Loose) => r.Ref === roleRef))
        .flatMap((p) => p.Properties.PolicyDocument.Statement);
    },
  };
}

/** The actions of `statements`, flattened. */
export const actionsOf = (statements: Loose[]): string[] => statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
