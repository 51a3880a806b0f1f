/** The Functions construct in the platform stack: every catalog function with the same defaults, and their triggers. */
import { describe, expect, it } from 'vitest';
import { FUNCTIONS, GIFT_SENT, PROVISIONING_REQUESTED } from '../../../lib/functions/catalog';
import { type Loose, useDevStack } from './stack';

const stack = useDevStack();
const t = stack.t;
const resources = stack.resources;

describe('functions', () => {
  it('starts provisioning runs from the table stream, one record at a time, only for provisioning requests', () => {
    const fnName = (r: Loose) => r.Properties.FunctionName;
    const fnId = Object.entries(resources('AWS::Lambda::Function')).find(
      ([, r]) => fnName(r) === 'lvs-dev-provision-streamer',
    )?.[0];
    t().hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId },
      BatchSize: 1,
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(PROVISIONING_REQUESTED) }] },
    });
    t().hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'lvs-dev-provision-streamer', Timeout: 60 });
  });

  it('fans out only gift and tip ledger inserts from the table stream (gift-fanout)', () => {
    const fnId = Object.entries(resources('AWS::Lambda::Function')).find(
      ([, r]) => r.Properties.FunctionName === 'lvs-dev-gift-fanout',
    )?.[0];
    t().hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: fnId },
      FilterCriteria: { Filters: [{ Pattern: JSON.stringify(GIFT_SENT) }] },
    });
  });

  it('creates every catalog function on Node.js 22, arm64, traced, with its own log group', () => {
    const fns = Object.values(resources('AWS::Lambda::Function')).filter((f) =>
      String(f.Properties.FunctionName ?? '').startsWith('lvs-dev-'),
    );
    expect(fns.map((f) => f.Properties.FunctionName).sort()).toEqual(FUNCTIONS.map((f) => `lvs-dev-${f.name}`).sort());
    for (const f of fns) {
      expect(f.Properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogGroup: expect.anything() },
      });
      expect(f.Properties.Environment.Variables).toMatchObject({
        TABLE_NAME: expect.anything(),
        POWERTOOLS_SERVICE_NAME: expect.any(String),
        NODE_OPTIONS: '--enable-source-maps',
      });
    }
  });

  it('tears down runtime channels and rooms on stack deletion through a custom resource', () => {
    t().hasResourceProperties('Custom::RuntimeResourcesTeardown', { Tag: 'lvs-dev', Stage: 'dev' });
    const teardown = Object.values(resources('AWS::Lambda::Function')).find(
      (f) => f.Properties.FunctionName === 'lvs-dev-runtime-teardown',
    );
    expect(teardown.Properties.Environment.Variables.ALLOW_TEARDOWN).toBe('true');
  });
});
