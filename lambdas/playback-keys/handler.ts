/**
 * Custom resource for the stage's signing keys, by `Kind`:
 * - `REPLAY_SIGNING_KEY`: the replay distribution's CloudFront key. On Create and Update it makes
 *   sure the secret (REPLAY_KEY_SECRET) holds an RSA 2048 key pair, generating it when the secret
 *   holds none, and answers the public key (`PublicKeyPem`) for the stack's AWS::CloudFront::PublicKey
 *   (a public key in the template is no secret; the private half never leaves Secrets Manager).
 * - otherwise, the stage's IVS playback key pair. On Create and Update it makes sure the secret
 * (PLAYBACK_KEY_SECRET) holds a P-384 private key whose public half is imported as an IVS playback
 * key pair, generating the key when the secret holds none (CloudFormation creates the secret with a
 * random string) and importing it when its key pair is gone; on Delete it deletes the key pair.
 * Idempotent: a retried or repeated run finds the key pair by ARN (or, after a lost answer, by name).
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';
import {
  ConflictException,
  DeletePlaybackKeyPairCommand,
  GetPlaybackKeyPairCommand,
  ImportPlaybackKeyPairCommand,
  ListPlaybackKeyPairsCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-ivs';
import { ivs } from '../shared/clients';
import { ENV, requireEnv } from '../shared/env';
import { observability } from '../shared/logger';
import { PutSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import {
  readPlaybackKey,
  readReplayKey,
  rememberPlaybackKey,
  rememberReplayKey,
  secretsManager,
  type PlaybackKeySecret,
} from '../shared/playback-key';
import { newPlaybackKeyPair, publicKeyOf } from '../shared/domain/playback-token';
import { newSigningKeyPair, REPLAY_SIGNING_KEY } from '../shared/domain/signed-urls';

const { logger } = observability('playback-keys');

/** Stores the key and its key pair's ARN in the secret. */
async function writePlaybackKey(value: PlaybackKeySecret): Promise<void> {
  await secretsManager.send(
    new PutSecretValueCommand({ SecretId: requireEnv(ENV.PLAYBACK_KEY_SECRET), SecretString: JSON.stringify(value) }),
  );
  rememberPlaybackKey(value);
}

export const PHYSICAL_ID = 'playback-key-pair';
export const REPLAY_KEY_PHYSICAL_ID = 'replay-signing-key';

/** Makes the replay secret hold an RSA key pair (kept when it does); answers its public key in PEM. */
export async function ensureReplaySigningKey(): Promise<string> {
  const stored = await readReplayKey(true);
  if (stored) return stored.publicKeyPem;
  const value = newSigningKeyPair();
  await secretsManager.send(
    new PutSecretValueCommand({ SecretId: requireEnv(ENV.REPLAY_KEY_SECRET), SecretString: JSON.stringify(value) }),
  );
  rememberReplayKey(value);
  logger.info('replay signing key generated');
  return value.publicKeyPem;
}

/** The key pair's name: one per stage. */
export const keyPairName = (tag: string) => `${tag}-playback`;

async function exists(arn: string): Promise<boolean> {
  try {
    await ivs.send(new GetPlaybackKeyPairCommand({ arn }));
    return true;
  } catch (error) {
    if (error instanceof ResourceNotFoundException) return false;
    throw error;
  }
}

async function arnByName(name: string): Promise<string | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await ivs.send(new ListPlaybackKeyPairsCommand({ nextToken }));
    const found = page.keyPairs?.find((k) => k.name === name);
    if (found?.arn) return found.arn;
    nextToken = page.nextToken;
  } while (nextToken);
  return undefined;
}

/** Makes the secret's key an imported playback key pair; answers the key pair's ARN. */
export async function ensurePlaybackKeyPair(): Promise<string> {
  const tag = requireEnv(ENV.RESOURCE_TAG);
  const stored = await readPlaybackKey(true);
  if (stored?.keyPairArn && (await exists(stored.keyPairArn))) return stored.keyPairArn;
  const privateKeyPem = stored?.privateKeyPem ?? newPlaybackKeyPair().privateKeyPem;
  const name = keyPairName(tag);
  let keyPairArn: string | undefined;
  try {
    const out = await ivs.send(
      new ImportPlaybackKeyPairCommand({
        name,
        publicKeyMaterial: publicKeyOf(privateKeyPem),
        tags: { platform: tag },
      }),
    );
    keyPairArn = out.keyPair?.arn;
  } catch (error) {
    // The same public key is already imported: a run whose answer was lost, or a restarted local mode.
    if (!(error instanceof ConflictException)) throw error;
    keyPairArn = await arnByName(name);
  }
  if (!keyPairArn) throw new Error(`ImportPlaybackKeyPair answered no key pair for ${name}`);
  await writePlaybackKey({ privateKeyPem, keyPairArn });
  logger.info('playback key pair ready', { keyPairArn });
  return keyPairArn;
}

export async function handler(
  event: CloudFormationCustomResourceEvent,
): Promise<{ PhysicalResourceId: string; Data?: Record<string, string> }> {
  if (event.ResourceProperties.Kind === REPLAY_SIGNING_KEY) {
    // Deleting leaves the secret to the stack (its removal policy) and the public key to CloudFormation.
    if (event.RequestType === 'Delete') return { PhysicalResourceId: event.PhysicalResourceId };
    const physicalId = event.RequestType === 'Create' ? REPLAY_KEY_PHYSICAL_ID : event.PhysicalResourceId;
    return { PhysicalResourceId: physicalId, Data: { PublicKeyPem: await ensureReplaySigningKey() } };
  }
  const physicalId = event.RequestType === 'Create' ? PHYSICAL_ID : event.PhysicalResourceId;
  if (event.RequestType !== 'Delete')
    return { PhysicalResourceId: physicalId, Data: { KeyPairArn: await ensurePlaybackKeyPair() } };
  const stored = await readPlaybackKey(true).catch(() => undefined);
  const arn = stored?.keyPairArn ?? (await arnByName(keyPairName(requireEnv(ENV.RESOURCE_TAG))));
  if (arn) {
    try {
      await ivs.send(new DeletePlaybackKeyPairCommand({ arn }));
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
  }
  return { PhysicalResourceId: physicalId };
}
