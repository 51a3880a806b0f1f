import { describe, expect, it } from 'vitest';
import { loadStageConfig } from '../../../lib/config';
import { CDK_CONTEXT } from './stack';

const ctx = (over: Record<string, unknown>) => (key: string) =>
  (({ ...CDK_CONTEXT, ...over }) as Record<string, unknown>)[key];

describe('stage config', () => {
  it('works with no flags (dev) and reads prod', () => {
    const dev = loadStageConfig(ctx({ stage: undefined }));
    expect(dev).toMatchObject({
      stage: 'dev',
      prefix: 'lvs-dev',
      removalPolicy: 'destroy',
      channelType: 'STANDARD',
      logRetentionDays: 30,
    });
    expect(dev.recordings).toMatchObject({
      archiveAccessDays: 90,
      deepArchiveAccessDays: 180,
      thumbnailIntervalSeconds: 60,
      renditions: 'ALL',
    });
    expect(loadStageConfig(ctx({ stage: 'prod' }))).toMatchObject({
      stage: 'prod',
      removalPolicy: 'retain',
      allowTeardownOfRuntimeResources: false,
    });
    expect(dev.chatReviewProvisionedConcurrency).toBe(0);
    expect(dev.dvrWindowMinutes).toBe(10);
    expect(loadStageConfig(ctx({ stage: 'prod' })).chatReviewProvisionedConcurrency).toBe(2);
    // Dev keeps Cognito's default sender; prod sends Cognito's codes through the SES identity too.
    expect(dev.email).toMatchObject({
      sesIdentity: 'example.com',
      fromAddress: 'alerts@example.com',
      userPoolViaSes: false,
      alertSendRatePerSecond: 10,
    });
    expect(loadStageConfig(ctx({ stage: 'prod' })).email).toMatchObject({ userPoolViaSes: true });
    expect(dev.operationsEmail).toBeUndefined();
    expect(loadStageConfig(ctx({ stage: 'prod' })).operationsEmail).toBe('ops@example.com');
  });

  it('fails with one clear sentence on bad config', () => {
    expect(() => loadStageConfig(ctx({ stage: 'qa' }))).toThrow(
      'Invalid stage config: stage "qa" is not defined in cdk.json context "stages" (known: dev, prod).',
    );
    const stages = CDK_CONTEXT.stages as Record<string, Record<string, unknown>>;
    const bad = (dev: Record<string, unknown>) => ctx({ stages: { dev: { ...stages.dev, ...dev } } });
    expect(() =>
      loadStageConfig(
        bad({ recordings: { archiveAccessDays: 30, deepArchiveAccessDays: 180, expireUnsoldAfterDays: 10 } }),
      ),
    ).toThrow(/^Invalid stage config for "dev": recordings\.archiveAccessDays: .*90/);
    expect(() =>
      loadStageConfig(
        bad({ recordings: { archiveAccessDays: 200, deepArchiveAccessDays: 180, expireUnsoldAfterDays: 10 } }),
      ),
    ).toThrow(/deepArchiveAccessDays must be greater than recordings.archiveAccessDays/);
    const email = stages.dev!.email as Record<string, unknown>;
    expect(() => loadStageConfig(bad({ email: { ...email, fromAddress: 'not-an-email' } }))).toThrow(
      /^Invalid stage config for "dev": email\.fromAddress: /,
    );
    expect(() => loadStageConfig(bad({ email: { ...email, fromAddress: 'alerts@elsewhere.org' } }))).toThrow(
      'Invalid stage config for "dev": email.fromAddress: fromAddress must be the sesIdentity address or an address of the sesIdentity domain.',
    );
    expect(() => loadStageConfig(bad({ email: { ...email, configurationSet: 'has space' } }))).toThrow(
      /email\.configurationSet: configurationSet must be/,
    );
    expect(() => loadStageConfig(bad({ email: undefined }))).toThrow(/^Invalid stage config for "dev": email: /);
    expect(() => loadStageConfig(bad({ prefix: 'Bad Prefix' }))).toThrow(/prefix must be 2-21 lowercase letters/);
    expect(() => loadStageConfig(bad({ chatReviewProvisionedConcurrency: -1 }))).toThrow(
      /^Invalid stage config for "dev": chatReviewProvisionedConcurrency: /,
    );
    expect(() => loadStageConfig(bad({ dvrWindowMinutes: 0 }))).toThrow(
      /^Invalid stage config for "dev": dvrWindowMinutes: /,
    );
    expect(() => loadStageConfig(bad({ dvrWindowMinutes: 2.5 }))).toThrow(/dvrWindowMinutes/);
    expect(loadStageConfig(bad({ dvrWindowMinutes: 30 })).dvrWindowMinutes).toBe(30);
    expect(() => loadStageConfig(bad({ operationsEmail: 'ops' }))).toThrow(
      /^Invalid stage config for "dev": operationsEmail: /,
    );
  });
});
