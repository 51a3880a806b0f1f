import { describe, expect, it } from 'vitest';
import { loadStageConfig } from '../../../lib/config';
import { CDK_CONTEXT } from './stack';

const ctx = (over: Record<string, unknown>) => (key: string) => ({ ...CDK_CONTEXT, ...over } as Record<string, unknown>)[key];

describe('stage config', () => {
  it('works with no flags (dev) and reads prod', () => {
    const dev = loadStageConfig(ctx({ stage: undefined }));
    expect(dev).toMatchObject({ stage: 'dev', prefix: 'lvs-dev', removalPolicy: 'destroy', channelType: 'STANDARD', logRetentionDays: 30 });
    expect(dev.recordings).toMatchObject({ archiveAccessDays: 90, deepArchiveAccessDays: 180, thumbnailIntervalSeconds: 60, renditions: 'ALL' });
    expect(loadStageConfig(ctx({ stage: 'prod' }))).toMatchObject({ stage: 'prod', removalPolicy: 'retain', allowTeardownOfRuntimeResources: false });
    expect(dev.operationsEmail).toBeUndefined();
    expect(loadStageConfig(ctx({ stage: 'prod' })).operationsEmail).toBe('ops@example.com');
  });

  it('fails with one clear sentence on bad config', () => {
    expect(() => loadStageConfig(ctx({ stage: 'qa' }))).toThrow('Invalid stage config: stage "qa" is not defined in cdk.json context "stages" (known: dev, prod).');
    const stages = CDK_CONTEXT.stages as Record<string, Record<string, unknown>>;
    const bad = (dev: Record<string, unknown>) => ctx({ stages: { dev: { ...stages.dev, ...dev } } });
    expect(() => loadStageConfig(bad({ recordings: { archiveAccessDays: 30, deepArchiveAccessDays: 180, expireUnsoldAfterDays: 10 } })))
      .toThrow(/^Invalid stage config for "dev": recordings\.archiveAccessDays: .*90/);
    expect(() => loadStageConfig(bad({ recordings: { archiveAccessDays: 200, deepArchiveAccessDays: 180, expireUnsoldAfterDays: 10 } })))
      .toThrow(/deepArchiveAccessDays must be greater than recordings.archiveAccessDays/);
    expect(() => loadStageConfig(bad({ alertSender: 'not-an-email' }))).toThrow(/^Invalid stage config for "dev": alertSender: /);
    expect(() => loadStageConfig(bad({ prefix: 'Bad Prefix' }))).toThrow(/prefix must be 2-21 lowercase letters/);
    expect(() => loadStageConfig(bad({ operationsEmail: 'ops' }))).toThrow(/^Invalid stage config for "dev": operationsEmail: /);
  });
});
