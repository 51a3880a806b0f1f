/** playback-keys: the custom resource that keeps the secret's key imported as the stage's IVS playback key pair. */
import {
  ConflictException,
  DeletePlaybackKeyPairCommand,
  GetPlaybackKeyPairCommand,
  ImportPlaybackKeyPairCommand,
  IvsClient,
  ListPlaybackKeyPairsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-ivs';
import { GetSecretValueCommand, PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../../../lambdas/playback-keys/handler';
import { newPlaybackKeyPair, publicKeyOf } from '../../../../lambdas/shared/domain/playback-token';
import { newSigningKeyPair, REPLAY_SIGNING_KEY } from '../../../../lambdas/shared/domain/signed-urls';

const ivs = mockClient(IvsClient);
const secrets = mockClient(SecretsManagerClient);
const ARN = 'arn:aws:ivs:us-east-1:123456789012:playback-key/AbCdEf123456';
const base = {
  ServiceToken: 't',
  ResponseURL: 'https://x',
  StackId: 's',
  RequestId: 'r',
  LogicalResourceId: 'KeyPair',
  ResourceType: 'Custom::IvsPlaybackKeyPair',
  ResourceProperties: { ServiceToken: 't' },
};
const create = { ...base, RequestType: 'Create' } as CloudFormationCustomResourceEvent;
const written = () =>
  JSON.parse(String(secrets.commandCalls(PutSecretValueCommand)[0]?.args[0].input.SecretString)) as {
    privateKeyPem: string;
    keyPairArn: string;
  };
const notFound = () => new ResourceNotFoundException({ message: 'gone', $metadata: {} });

beforeEach(() => {
  ivs.reset();
  secrets.reset();
  Object.assign(process.env, {
    PLAYBACK_KEY_SECRET: 'lvs-test-playback-key',
    REPLAY_KEY_SECRET: 'lvs-test-replay-key',
    RESOURCE_TAG: 'lvs-test',
  });
  secrets.on(PutSecretValueCommand).resolves({});
});

describe('playback-keys', () => {
  it("on first deploy (the secret holds CloudFormation's random string) generates a P-384 key, imports its public half tagged, stores both", async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'r4nd0m-not-json' });
    ivs.on(ImportPlaybackKeyPairCommand).resolves({ keyPair: { arn: ARN } });

    expect(await handler(create)).toEqual({ PhysicalResourceId: 'playback-key-pair', Data: { KeyPairArn: ARN } });
    const imported = ivs.commandCalls(ImportPlaybackKeyPairCommand)[0]?.args[0].input;
    expect(imported).toMatchObject({ name: 'lvs-test-playback', tags: { platform: 'lvs-test' } });
    const stored = written();
    expect(stored.keyPairArn).toBe(ARN);
    expect(imported?.publicKeyMaterial).toBe(publicKeyOf(stored.privateKeyPem));
  });

  it('does nothing when the stored key pair still exists (a repeated run)', async () => {
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ privateKeyPem: newPlaybackKeyPair().privateKeyPem, keyPairArn: ARN }),
    });
    ivs.on(GetPlaybackKeyPairCommand).resolves({ keyPair: { arn: ARN } });
    expect(
      (
        await handler({
          ...base,
          RequestType: 'Update',
          PhysicalResourceId: 'playback-key-pair',
          OldResourceProperties: {},
        } as CloudFormationCustomResourceEvent)
      ).Data,
    ).toEqual({ KeyPairArn: ARN });
    expect(ivs).not.toHaveReceivedCommand(ImportPlaybackKeyPairCommand);
    expect(secrets).not.toHaveReceivedCommand(PutSecretValueCommand);
  });

  it('re-imports the stored key when its key pair is gone, and adopts the existing one when IVS already has that key', async () => {
    const key = newPlaybackKeyPair().privateKeyPem;
    secrets
      .on(GetSecretValueCommand)
      .resolves({ SecretString: JSON.stringify({ privateKeyPem: key, keyPairArn: `${ARN}old` }) });
    ivs.on(GetPlaybackKeyPairCommand).rejects(notFound());
    ivs.on(ImportPlaybackKeyPairCommand).rejects(new ConflictException({ message: 'exists', $metadata: {} }));
    ivs.on(ListPlaybackKeyPairsCommand).resolves({
      keyPairs: [
        { arn: 'other', name: 'x' },
        { arn: ARN, name: 'lvs-test-playback' },
      ],
    });

    await handler(create);
    expect(ivs.commandCalls(ImportPlaybackKeyPairCommand)[0]?.args[0].input.publicKeyMaterial).toBe(publicKeyOf(key));
    expect(written()).toEqual({ privateKeyPem: key, keyPairArn: ARN });
  });

  it('deletes the key pair on stack deletion, and a key pair already gone is not an error', async () => {
    secrets.on(GetSecretValueCommand).resolves({
      SecretString: JSON.stringify({ privateKeyPem: newPlaybackKeyPair().privateKeyPem, keyPairArn: ARN }),
    });
    ivs.on(DeletePlaybackKeyPairCommand).resolves({});
    const del = {
      ...base,
      RequestType: 'Delete',
      PhysicalResourceId: 'playback-key-pair',
    } as CloudFormationCustomResourceEvent;
    expect(await handler(del)).toEqual({ PhysicalResourceId: 'playback-key-pair' });
    expect(ivs).toHaveReceivedCommandWith(DeletePlaybackKeyPairCommand, { arn: ARN });
    ivs.on(DeletePlaybackKeyPairCommand).rejects(notFound());
    await expect(handler(del)).resolves.toEqual({ PhysicalResourceId: 'playback-key-pair' });
  });
});

describe('playback-keys: the replay signing key', () => {
  const replayEvent = (RequestType: 'Create' | 'Update' | 'Delete') =>
    ({
      ...base,
      RequestType,
      ResourceType: 'Custom::ReplaySigningKey',
      ResourceProperties: { ServiceToken: 't', Kind: REPLAY_SIGNING_KEY, Secret: 'lvs-test-replay-key' },
      ...(RequestType === 'Create' ? {} : { PhysicalResourceId: 'replay-signing-key', OldResourceProperties: {} }),
    }) as CloudFormationCustomResourceEvent;

  it('on first deploy generates an RSA key pair into the secret and answers its public key, never touching IVS', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: 'r4nd0m-not-json' });
    const out = await handler(replayEvent('Create'));
    const put = secrets.commandCalls(PutSecretValueCommand)[0]?.args[0].input;
    expect(put?.SecretId).toBe('lvs-test-replay-key');
    const stored = JSON.parse(String(put?.SecretString)) as { privateKeyPem: string; publicKeyPem: string };
    expect(out).toEqual({ PhysicalResourceId: 'replay-signing-key', Data: { PublicKeyPem: stored.publicKeyPem } });
    expect(publicKeyOf(stored.privateKeyPem)).toBe(stored.publicKeyPem);
    expect(stored.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(ivs.calls()).toHaveLength(0);
  });

  it('keeps the key it finds on update (URLs signed before a deploy keep playing), and leaves it on delete', async () => {
    const kept = newSigningKeyPair();
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify(kept) });
    expect((await handler(replayEvent('Update'))).Data).toEqual({ PublicKeyPem: kept.publicKeyPem });
    expect(await handler(replayEvent('Delete'))).toEqual({ PhysicalResourceId: 'replay-signing-key' });
    expect(secrets).not.toHaveReceivedCommand(PutSecretValueCommand);
    expect(ivs.calls()).toHaveLength(0);
  });
});
