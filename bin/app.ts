#!/usr/bin/env node
/** CDK app: reads the stage config and creates the platform stack. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { loadStageConfig } from '../lib/config';
import { ROOT } from '../lib/constructs/functions';
import { PlatformStack } from '../lib/stacks/platform-stack';
import { applyNagSuppressions } from '../lib/nag';

const app = new App();
const config = loadStageConfig((key) => app.node.tryGetContext(key));

// `-c webDistPath=<dir>` deploys another build of the web app (tests use a fixture).
const webDistPath = String(app.node.tryGetContext('webDistPath') ?? join(ROOT, 'frontend', 'dist'));
if (!existsSync(join(webDistPath, 'index.html'))) {
  // The Amplify branch deploys the static build: build it once when it is missing.
  console.error('frontend/dist is missing: building the web app (npm run build:web) ...');
  execFileSync('npm', ['run', 'build:web'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
}

const stack = new PlatformStack(app, `${config.prefix}-platform`, {
  config,
  webDistPath,
  description: `Live video shopping platform (${config.stage})`,
});
Tags.of(app).add('platform', config.prefix);
applyNagSuppressions(stack);
// cdk-nag runs as a policy validation plugin: an unacknowledged finding fails synth.
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
