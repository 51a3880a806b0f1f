/** The PlaybackAuth construct in the platform stack: the signing key's secret, the key pair custom resource, and who may use them. */
import { describe, expect, it } from 'vitest';
import { FUNCTIONS } from '../../../lib/functions/catalog';
import { actionsOf, type Loose, useDevStack } from './stack';

const stack = useDevStack();
const t = stack.t;
const SECRET_ARN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':secretsmanager:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':secret:lvs-dev-playback-key-??????',
    ],
  ],
};
/** A statement's resources as a list (CDK merges statements with the same actions into one with several). */
const resourcesOf = (statement: Loose): Loose[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
/** The function's statements on the playback key's secret (the replay key's are Video's: video.test.ts). */
const secretStatements = (name: string) =>
  stack
    .policiesOf(name)
    .filter(
      (s: Loose) =>
        actionsOf([s]).some((a) => a.startsWith('secretsmanager:')) &&
        JSON.stringify(s.Resource).includes('lvs-dev-playback-key-'),
    );

describe('playback authorization', () => {
  it('creates the secret for the private key and the key pair custom resource run by playback-keys', () => {
    t().hasResourceProperties('AWS::SecretsManager::Secret', { Name: 'lvs-dev-playback-key' });
    const keyPair = stack.only('Custom::IvsPlaybackKeyPair');
    expect(keyPair.Properties).toMatchObject({ Secret: 'lvs-dev-playback-key', Tag: 'lvs-dev' });
    expect(keyPair.DependsOn.some((d: string) => d.startsWith('PlaybackAuthPrivateKey'))).toBe(true);
    expect(stack.fnProps('playback-keys').Environment.Variables).toMatchObject({
      PLAYBACK_KEY_SECRET: 'lvs-dev-playback-key',
      RESOURCE_TAG: 'lvs-dev',
    });
  });

  it("lets playback-keys read and write the secret and import, read, list and delete only this stage's key pairs", () => {
    const keys = secretStatements('playback-keys');
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({
      Effect: 'Allow',
      Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue'],
    });
    expect(resourcesOf(keys[0])).toContainEqual(SECRET_ARN);
    const ivs = stack
      .policiesOf('playback-keys')
      .filter((s: Loose) => actionsOf([s]).some((a) => a.startsWith('ivs:')));
    expect(actionsOf(ivs).sort()).toEqual([
      'ivs:DeletePlaybackKeyPair',
      'ivs:GetPlaybackKeyPair',
      'ivs:ImportPlaybackKeyPair',
      'ivs:ListPlaybackKeyPairs',
      'ivs:TagResource',
    ]);
    const importing = ivs.find((s: Loose) => actionsOf([s]).includes('ivs:ImportPlaybackKeyPair'));
    expect(importing.Condition).toEqual({ StringEquals: { 'aws:RequestTag/platform': 'lvs-dev' } });
  });

  it("lets playback read the key (never write it), sign for the site's origins, and set tagged channels' authorized flag", () => {
    const reads = secretStatements('playback');
    expect(reads).toHaveLength(1);
    expect(reads[0]).toMatchObject({ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue' });
    expect(resourcesOf(reads[0])).toContainEqual(SECRET_ARN);
    const env = stack.fnProps('playback').Environment.Variables;
    expect(env.PLAYBACK_KEY_SECRET).toBe('lvs-dev-playback-key');
    expect(env.PLAYBACK_ORIGINS).toBeDefined();
    const channels = stack.policiesOf('playback').filter((s: Loose) => actionsOf([s]).includes('ivs:UpdateChannel'));
    expect(channels).toHaveLength(1);
    expect(channels[0].Condition).toEqual({ StringEquals: { 'aws:ResourceTag/platform': 'lvs-dev' } });
    // Only these two functions touch the key.
    const others = FUNCTIONS.map((f) => f.name).filter(
      (n) => !['playback', 'playback-keys', 'coin-checkout', 'stripe-webhook'].includes(n),
    );
    expect(others.filter((n) => secretStatements(n).length > 0)).toEqual([]);
  });

  it('alerts followers at Go public: go-live-fanout takes the "Stream Went Public" event from the jobs bus', () => {
    t().hasResourceProperties('AWS::Events::Rule', {
      EventPattern: { source: ['lvs.streams'], 'detail-type': ['Stream Went Public'] },
    });
  });

  it("passes the age gate's consent TTL to the web app", () => {
    expect(JSON.stringify(t().toJSON())).toContain('ageGateConsentDays');
  });
});
