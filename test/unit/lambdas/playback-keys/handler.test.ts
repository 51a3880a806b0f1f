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
  Object.assign(process.env, { PLAYBACK_KEY_SECRET: 'lvs-test-playback-key', RESOURCE_TAG: 'lvs-test' });
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
