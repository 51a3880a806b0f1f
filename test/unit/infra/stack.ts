/** Builds the platform stack once per test file, with Lambda bundling skipped (bundling has its own test). */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, NestedStack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll } from 'vitest';
import { loadStageConfig, type StageConfig } from '../../../lib/config';
import { PlatformStack } from '../../../lib/stacks/platform-stack';
import { applyNagSuppressions } from '../../../lib/nag';

export const CDK_CONTEXT = (
  JSON.parse(readFileSync(join(import.meta.dirname, '../../../cdk.json'), 'utf8')) as {
    context: Record<string, unknown>;
  }
).context;

export function fixtureDist(): string {
  const dir = mkdtempSync(join(tmpdir(), 'web-dist-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>fixture</title>');
  return dir;
}

type Built = { app: App; stack: PlatformStack; template: Template; config: StageConfig };

/**
 * The stacks built with the stage's own settings, kept for every test file that runs in this module
 * graph (the `unit-infra` project shares it): tests read them and never change them.
 */
const standard = new Map<string, Built>();

/**
 * The platform stack for `stage`; with `overrides` (context a test changes) a new one, else the one
 * already built for the stage.
 */
export function buildStack(stage = 'dev', overrides: Record<string, unknown> = {}): Built {
  if (Object.keys(overrides).length) return synthesize(stage, overrides);
  let built = standard.get(stage);
  if (!built) {
    built = synthesize(stage, {});
    standard.set(stage, built);
  }
  return built;
}

function synthesize(stage: string, overrides: Record<string, unknown>): Built {
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
    Object.entries(resources('AWS::Lambda::Function')).find(
      ([, r]) => r.Properties.FunctionName === `${built.config.prefix}-${name}`,
    );
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
      return Object.values(resources('AWS::IAM::Policy'))
        .filter((p) => p.Properties.Roles.some((r: Loose) => r.Ref === roleRef))
        .flatMap((p) => p.Properties.PolicyDocument.Statement);
    },
  };
}

/**
 * The dev stack for one test file: synthesized once in `beforeAll`, with the lookups of `inspect`.
 * Call at the top level of the file; the accessors work inside its tests.
 */
export function useDevStack() {
  let built: ReturnType<typeof buildStack> | undefined;
  let lookups: ReturnType<typeof inspect> | undefined;
  beforeAll(() => {
    built = buildStack();
    lookups = inspect(built);
  });
  const ready = (): ReturnType<typeof inspect> => {
    if (!lookups) throw new Error('useDevStack: the stack is built in beforeAll; use it inside tests');
    return lookups;
  };
  return {
    built: (): ReturnType<typeof buildStack> => built as ReturnType<typeof buildStack>,
    t: (): Template => (built as ReturnType<typeof buildStack>).template,
    /** The Operations construct's Alarms nested stack: the dead-letter queues' depth alarms. */
    alarms: (): Template => {
      const nested = (built as ReturnType<typeof buildStack>).stack.node
        .findAll()
        .find((c) => c instanceof NestedStack && c.node.id === 'Alarms');
      if (!nested) throw new Error('useDevStack: no Alarms nested stack');
      return Template.fromStack(nested as NestedStack);
    },
    resources: (type: string): Record<string, Loose> => ready().resources(type),
    only: (type: string): Loose => ready().only(type),
    fnId: (name: string): string => ready().fnId(name),
    fnProps: (name: string): Loose => ready().fnProps(name),
    policiesOf: (name: string): Loose[] => ready().policiesOf(name),
  };
}

/** The actions of `statements`, flattened. */
export const actionsOf = (statements: Loose[]): string[] =>
  statements.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
