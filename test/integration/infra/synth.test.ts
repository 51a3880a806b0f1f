/**
 * `cdk synth` through the pinned CLI with no AWS credentials and no network (proxies pointed at a
 * closed port): the app is environment-agnostic, cdk-nag passes, and every Lambda really bundles.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../lib/functions/catalog';
import { fixtureDist } from '../../unit/infra/stack';

const ROOT = join(import.meta.dirname, '../../..');
const out = mkdtempSync(join(tmpdir(), 'cdk-out-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('cdk synth', () => {
  it('exits 0 without credentials or network and bundles every function', () => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && !k.startsWith('AWS_') && !k.startsWith('CDK_')) env[k] = v;
    Object.assign(env, {
      HTTP_PROXY: 'http://127.0.0.1:9',
      HTTPS_PROXY: 'http://127.0.0.1:9',
      NO_PROXY: '',
      AWS_EC2_METADATA_DISABLED: 'true',
      HOME: mkdtempSync(join(tmpdir(), 'home-')),
    });
    const cdk = join(ROOT, 'node_modules/.bin/cdk');
    const run = spawnSync(cdk, ['synth', '-q', '-o', out, '-c', `webDistPath=${fixtureDist()}`], {
      cwd: ROOT,
      env,
      encoding: 'utf8',
      timeout: 300_000,
    });
    expect(run.stderr.slice(-2000)).not.toMatch(/Error|error TS/);
    expect(run.status).toBe(0);
    const template = JSON.parse(readFileSync(join(out, 'lvs-dev-platform.template.json'), 'utf8')) as {
      Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>;
    };
    const fns = Object.values(template.Resources).filter(
      (r) => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['aws:asset:path']?.startsWith('asset.'),
    );
    const ours = fns.filter((f) => existsSync(join(out, f.Metadata!['aws:asset:path']!, 'index.mjs')));
    expect(ours.length).toBe(FUNCTIONS.length);
    const policy = readdirSync(out).find((f) => f.includes('policy-validation-report'));
    if (policy) expect(readFileSync(join(out, policy), 'utf8')).not.toContain('"status": "failure"');
  }, 300_000);
});
