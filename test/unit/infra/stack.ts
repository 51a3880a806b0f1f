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
