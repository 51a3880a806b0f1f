/** The Video construct in the platform stack: recordings, replay delivery, and the IVS grants on runtime channels and stream keys. */
import { Match } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../lib/functions/catalog';
import { DVR_PLAYLIST } from '../../../lambdas/shared/domain/dvr';
import { LATEST_THUMBNAIL_PATH } from '../../../lambdas/shared/domain/recording-paths';
import { latestThumbnailKey } from '../../../lambdas/shared/domain/recordings';
import { REPLAY_SIGNING_KEY, SIGNED_PATH_PATTERN } from '../../../lambdas/shared/domain/signed-urls';
import { actionsOf, type Loose, useDevStack } from './stack';

const stack = useDevStack();
const t = stack.t;
const resources = stack.resources;
const only = stack.only;
const policiesOf = stack.policiesOf;
const fnProps = stack.fnProps;
const fnId = stack.fnId;

describe('video', () => {
  it('keeps recordings private, TLS-only, encrypted, in Intelligent-Tiering from day 0 with archive tiers and tag-based expiry', () => {
    const bucket = Object.values(resources('AWS::S3::Bucket')).find(
      (b) => b.Properties.IntelligentTieringConfigurations,
    );
    expect(bucket.Properties).toMatchObject({
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      IntelligentTieringConfigurations: [
        {
          Id: 'recording-archive-tiers',
          Status: 'Enabled',
          Tierings: [
            { AccessTier: 'ARCHIVE_ACCESS', Days: 90 },
            { AccessTier: 'DEEP_ARCHIVE_ACCESS', Days: 180 },
          ],
        },
      ],
    });
    const rules = bucket.Properties.LifecycleConfiguration.Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({
        Id: 'intelligent-tiering-day-0',
        Transitions: [{ StorageClass: 'INTELLIGENT_TIERING', TransitionInDays: 0 }],
      }),
    );
    expect(rules).toContainEqual(
      expect.objectContaining({
        Id: 'expire-unsold-recordings',
        ExpirationInDays: 365,
        TagFilters: [{ Key: 'classification', Value: 'NO_SALES' }],
      }),
    );
    const policies = Object.values(resources('AWS::S3::BucketPolicy'));
    expect(JSON.stringify(policies)).toContain('"aws:SecureTransport":"false"');
  });

  it('records with IVS to that bucket with thumbnails and all renditions', () => {
    t().hasResourceProperties('AWS::IVS::RecordingConfiguration', {
      DestinationConfiguration: { S3: { BucketName: Match.anyValue() } },
      ThumbnailConfiguration: {
        RecordingMode: 'INTERVAL',
        TargetIntervalSeconds: 60,
        Storage: ['SEQUENTIAL', 'LATEST'],
      },
      RenditionConfiguration: { RenditionSelection: 'ALL' },
    });
  });

  it('serves replays through CloudFront with origin access control and CORS for the site and the configured origins', () => {
    expect(Object.values(resources('AWS::CloudFront::OriginAccessControl'))).toHaveLength(1);
    const dist = only('AWS::CloudFront::Distribution');
    const origins = dist.Properties.DistributionConfig.Origins;
    expect(origins).toHaveLength(1);
    expect(origins.every((o: Loose) => o.OriginAccessControlId && o.S3OriginConfig)).toBe(true);
    expect(dist.Properties.DistributionConfig.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    const siteOrigin = {
      'Fn::Join': ['', ['https://main.', { 'Fn::GetAtt': [Match.stringLikeRegexp('^WebApp'), 'DefaultDomain'] }]],
    };
    t().hasResourceProperties('AWS::CloudFront::ResponseHeadersPolicy', {
      ResponseHeadersPolicyConfig: Match.objectLike({
        CorsConfig: Match.objectLike({
          AccessControlAllowOrigins: { Items: ['http://localhost:4321', siteOrigin] },
          AccessControlAllowCredentials: false,
        }),
      }),
    });
  });

  it("serves recordings' HLS only with signed URLs of the stage's key group; thumbnails on the default behavior stay public", () => {
    const config = only('AWS::CloudFront::Distribution').Properties.DistributionConfig;
    expect(config.DefaultCacheBehavior.TrustedKeyGroups).toBeUndefined();
    expect(config.CacheBehaviors).toHaveLength(1);
    const signed = config.CacheBehaviors[0];
    expect(signed.PathPattern).toBe(SIGNED_PATH_PATTERN);
    expect(signed.TargetOriginId).toBe(config.DefaultCacheBehavior.TargetOriginId);
    expect(signed.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(signed.ResponseHeadersPolicyId).toEqual(config.DefaultCacheBehavior.ResponseHeadersPolicyId);
    const groupId = Object.keys(resources('AWS::CloudFront::KeyGroup'))[0];
    expect(signed.TrustedKeyGroups).toEqual([{ Ref: groupId }]);
    const keyId = Object.keys(resources('AWS::CloudFront::PublicKey'))[0] as string;
    t().hasResourceProperties('AWS::CloudFront::KeyGroup', {
      KeyGroupConfig: Match.objectLike({ Items: [{ Ref: keyId }] }),
    });
    // The public key comes from the custom resource that generated the private one into the secret: no key material in the template.
    const encoded = only('AWS::CloudFront::PublicKey').Properties.PublicKeyConfig.EncodedKey;
    expect(encoded['Fn::GetAtt'][0]).toMatch(/^VideoReplaySigningKey/);
    expect(encoded['Fn::GetAtt'][1]).toBe('PublicKeyPem');
  });

  it('the replay and playback functions sign with the key (its id and secret), read-only; the keys handler writes it', () => {
    t().hasResourceProperties('Custom::ReplaySigningKey', { Kind: REPLAY_SIGNING_KEY, Secret: 'lvs-dev-replay-key' });
    for (const name of ['replay', 'playback']) {
      const env = fnProps(name).Environment.Variables;
      expect(env.REPLAY_KEY_SECRET).toBe('lvs-dev-replay-key');
      expect(env.REPLAY_KEY_PAIR_ID).toEqual({ Ref: Object.keys(resources('AWS::CloudFront::PublicKey'))[0] });
      const onSecret = policiesOf(name).filter((s) => JSON.stringify(s.Resource).includes('lvs-dev-replay-key'));
      expect(actionsOf(onSecret)).toEqual(['secretsmanager:GetSecretValue']);
    }
    const keys = policiesOf('playback-keys').filter((s) => JSON.stringify(s.Resource).includes('lvs-dev-replay-key'));
    expect(actionsOf(keys).sort()).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue']);
    expect(fnProps('playback-keys').Environment.Variables.REPLAY_KEY_SECRET).toBe('lvs-dev-replay-key');
  });

  it('keeps the latest thumbnail where the app and the local IVS read and write it (IVS storage LATEST)', () => {
    const config = Object.values(resources('AWS::IVS::RecordingConfiguration'))[0].Properties.ThumbnailConfiguration;
    expect(config.RecordingMode).toBe('INTERVAL');
    expect(config.Storage).toContain('LATEST');
    // IVS API reference (ThumbnailConfiguration): LATEST saves the latest thumbnail in media/latest_thumbnail/thumb.jpg.
    expect(latestThumbnailKey('ivs/v1/1/c/2026/12/2/17/0/r')).toBe(
      'ivs/v1/1/c/2026/12/2/17/0/r/media/latest_thumbnail/thumb.jpg',
    );
    expect(LATEST_THUMBNAIL_PATH).toBe('media/latest_thumbnail/thumb.jpg');
  });

  it("writes DVR views: dvr-playlist runs on each recording playlist IVS writes, reads and writes only recordings' HLS objects", () => {
    const notifications = only('Custom::S3BucketNotifications').Properties.NotificationConfiguration
      .LambdaFunctionConfigurations as Loose[];
    const dvr = notifications.filter((n) => JSON.stringify(n.LambdaFunctionArn).includes(fnId('dvr-playlist')));
    expect(
      dvr
        .map((n) => ({ events: n.Events, rules: n.Filter.Key.FilterRules }))
        .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    ).toEqual([
      {
        events: ['s3:ObjectCreated:*'],
        rules: [
          { Name: 'suffix', Value: '/master.m3u8' },
          { Name: 'prefix', Value: 'ivs/' },
        ],
      },
      {
        events: ['s3:ObjectCreated:*'],
        rules: [
          { Name: 'suffix', Value: '/playlist.m3u8' },
          { Name: 'prefix', Value: 'ivs/' },
        ],
      },
    ]);
    // The views it writes (dvr.m3u8) match neither suffix: no invocation loop.
    expect(
      ['/master.m3u8', '/playlist.m3u8'].some((suffix) => `x/media/hls/source/${DVR_PLAYLIST}`.endsWith(suffix)),
    ).toBe(false);
    const s3 = policiesOf('dvr-playlist').filter((st) => actionsOf([st]).some((a) => a.startsWith('s3:')));
    expect(actionsOf(s3).sort()).toEqual(['s3:GetObject', 's3:PutObject']);
    for (const st of s3) expect(JSON.stringify(st.Resource)).toMatch(/"\/ivs\/\*\/media\/hls\/\*"\]\]\}$/);
    expect(fnProps('dvr-playlist').Environment.Variables).toMatchObject({
      DVR_WINDOW_SECONDS: '600',
      RECORDINGS_BUCKET: expect.anything(),
    });
  });

  it('routes both IVS event types to their handlers', () => {
    const patterns = Object.values(resources('AWS::Events::Rule'))
      .map((r) => r.Properties.EventPattern)
      .filter(Boolean);
    expect(patterns).toContainEqual({ source: ['aws.ivs'], 'detail-type': ['IVS Stream State Change'] });
    expect(patterns).toContainEqual({ source: ['aws.ivs'], 'detail-type': ['IVS Recording State Change'] });
    expect(patterns).toContainEqual({
      source: ['aws.ivs'],
      'detail-type': ['IVS Stream State Change'],
      detail: { event_name: ['Stream Start'] },
    });
  });

  it('grants IVS creates on the channel and the stream key, with the platform tag requested (Service Authorization Reference)', () => {
    const withAction = (fnName: string, action: string) =>
      policiesOf(fnName).filter((s) => actionsOf([s]).includes(action));
    const resourcesOf = (statements: Loose[]) =>
      statements.flatMap((s) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource])).map((r) => JSON.stringify(r));
    for (const [fnName, action, types] of [
      ['provision-streamer', 'ivs:CreateChannel', [':channel/*', ':stream-key/*']],
      ['provision-streamer', 'ivs:TagResource', [':channel/*', ':stream-key/*']],
      ['provision-streamer', 'ivs:CreateStreamKey', [':stream-key/*']],
      ['stream-key', 'ivs:CreateStreamKey', [':stream-key/*']],
      ['stream-key', 'ivs:TagResource', [':stream-key/*']],
    ] as const) {
      const statements = withAction(fnName, action);
      for (const type of types)
        expect(
          resourcesOf(statements).some((r) => r.includes(type)),
          `${fnName} ${action} on ${type}`,
        ).toBe(true);
      for (const st of statements)
        expect(st.Condition).toEqual({ StringEquals: { 'aws:RequestTag/platform': 'lvs-dev' } });
    }
    for (const [fnName, action] of [
      ['provision-streamer', 'ivs:ListStreamKeys'],
      ['stream-key', 'ivs:ListStreamKeys'],
      ['runtime-teardown', 'ivs:ListStreamKeys'],
      ['runtime-teardown', 'ivs:DeleteChannel'],
    ] as const) {
      const statements = withAction(fnName, action);
      // The channel is checked with its tag; stream-key/* carries no tag to check, so that grant has no condition.
      expect(
        statements.find((s) => JSON.stringify(s.Resource).includes(':channel/*'))?.Condition,
        `${fnName} ${action} channel`,
      ).toEqual({ StringEquals: { 'aws:ResourceTag/platform': 'lvs-dev' } });
      expect(
        statements.find((s) => JSON.stringify(s.Resource).includes(':stream-key/*'))?.Condition,
        `${fnName} ${action} stream-key`,
      ).toBeUndefined();
      expect(
        statements.some((s) => JSON.stringify(s.Resource).includes(':stream-key/*')),
        `${fnName} ${action} stream-key`,
      ).toBe(true);
    }
    expect(actionsOf(policiesOf('sale-markers'))).toContain('ivs:PutMetadata');
  });

  it('scopes every IVS grant: channels by the stage tag, stream keys by the requested tag or not at all, only lists on *', () => {
    const ivs = FUNCTIONS.flatMap((f) =>
      policiesOf(f.name)
        .filter((st) => actionsOf([st]).some((a) => a.startsWith('ivs:')))
        .map((st) => ({ fn: f.name, st })),
    );
    expect(ivs.length).toBeGreaterThan(0);
    const resourcesOf = (st: Loose): string[] => [st.Resource].flat().map((r) => JSON.stringify(r));
    for (const { fn, st } of ivs) {
      const where = `${fn} ${actionsOf([st]).join(',')}`;
      // Statements with the same resources and conditions are merged across services (minimizePolicies).
      if (st.Resource === '*') {
        expect(
          actionsOf([st]).filter((act) => act.startsWith('ivs:')),
          where,
        ).toEqual(['ivs:ListChannels']);
        continue;
      }
      const created = st.Condition?.StringEquals?.['aws:RequestTag/platform'];
      if (resourcesOf(st).some((r) => r.includes(':channel/*'))) {
        expect(created ?? st.Condition?.StringEquals?.['aws:ResourceTag/platform'], where).toBe('lvs-dev');
      } else if (resourcesOf(st).some((r) => r.includes(':playback-key/*'))) {
        // The stage's playback key pair (lib/constructs/playback-auth.ts): created with the tag, read and deleted by it; listing has no tag.
        expect(
          resourcesOf(st).every((r) => r.includes(':playback-key/*')),
          where,
        ).toBe(true);
        if (st.Condition)
          expect(created ?? st.Condition?.StringEquals?.['aws:ResourceTag/platform'], where).toBe('lvs-dev');
        else expect(actionsOf([st]), where).toEqual(['ivs:ListPlaybackKeyPairs']);
      } else {
        expect(
          resourcesOf(st).every((r) => r.includes(':stream-key/*')),
          where,
        ).toBe(true);
        if (st.Condition)
          expect(st.Condition, where).toEqual({ StringEquals: { 'aws:RequestTag/platform': 'lvs-dev' } });
      }
    }
    // Exactly the functions whose jobs need IVS.
    expect([...new Set(ivs.map((g) => g.fn))].sort()).toEqual([
      'playback',
      'playback-keys',
      'provision-streamer',
      'runtime-teardown',
      'safety',
      'sale-markers',
      'stream-health-poller',
      'stream-key',
    ]);
  });
});
