/**
 * IVS playback authorization in the local mode, the same path as the stack's: the secret holds the
 * private key (seeded from a key kept in the data directory, so tokens survive restarts, as the
 * secret does in AWS), and the playback-keys handler runs as the custom resource does at deploy,
 * importing the public key into the local IVS (docs/local-ivs.md, "Private channels"). The replay
 * signing key is made the same way: the handler generates it into its secret and answers the public
 * key the local CloudFront trusts (docs/safety.md, "Replays").
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { newPlaybackKeyPair } from '../lambdas/shared/domain/playback-token';
import { newSigningKeyPair, REPLAY_SIGNING_KEY } from '../lambdas/shared/domain/signed-urls';

/** The secret's name in the local mode (the stack's is `<prefix>-playback-key`). */
export const LOCAL_PLAYBACK_SECRET = 'local-playback-key';

/** The secret's seed: the private key in `file`, generated on first use. */
export function localPlaybackSecret(file: string): Record<string, string> {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, newPlaybackKeyPair().privateKeyPem, { mode: 0o600 });
  }
  return { [LOCAL_PLAYBACK_SECRET]: JSON.stringify({ privateKeyPem: readFileSync(file, 'utf8') }) };
}

/** The web app's origins for the token's `aws:access-control-allow-origin`: its URL by IP and by `localhost`. */
export function localPlaybackOrigins(webUrl: string): string {
  const url = new URL(webUrl);
  const other = url.hostname === '127.0.0.1' ? 'localhost' : url.hostname === 'localhost' ? '127.0.0.1' : undefined;
  return [url.origin, ...(other ? [`${url.protocol}//${other}${url.port ? `:${url.port}` : ''}`] : [])].join(',');
}

/** Runs the playback-keys custom resource handler as CloudFormation's Create would. */
export async function importLocalPlaybackKey(
  invoke: (name: string, event: unknown) => Promise<unknown>,
): Promise<void> {
  await invoke('playback-keys', {
    RequestType: 'Create',
    ServiceToken: 'local',
    ResponseURL: 'http://127.0.0.1/',
    StackId: 'local',
    RequestId: 'local-playback-key',
    LogicalResourceId: 'PlaybackAuthKeyPair',
    ResourceType: 'Custom::IvsPlaybackKeyPair',
    ResourceProperties: { ServiceToken: 'local', Secret: LOCAL_PLAYBACK_SECRET, Tag: 'local' },
  });
}

/** The replay key's secret in the local mode (the stack's is `<prefix>-replay-key`). */
export const LOCAL_REPLAY_SECRET = 'local-replay-key';

/** The local CloudFront public key's id (in AWS, the id CloudFront gives AWS::CloudFront::PublicKey). */
export const LOCAL_REPLAY_KEY_PAIR_ID = 'K2LOCALREPLAYKEY';

/**
 * The replay secret's seed: the key pair in `file` (JSON), generated on first use, so URLs signed
 * before a restart still play after it, as the secret outlives deploys in AWS.
 */
export function localReplaySecret(file: string): Record<string, string> {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(newSigningKeyPair()), { mode: 0o600 });
  }
  return { [LOCAL_REPLAY_SECRET]: readFileSync(file, 'utf8') };
}

/** Runs the replay signing key custom resource as CloudFormation's Create would; answers the public key (PEM). */
export async function makeLocalReplayKey(invoke: (name: string, event: unknown) => Promise<unknown>): Promise<string> {
  const answer = await invoke('playback-keys', {
    RequestType: 'Create',
    ServiceToken: 'local',
    ResponseURL: 'http://127.0.0.1/',
    StackId: 'local',
    RequestId: 'local-replay-key',
    LogicalResourceId: 'VideoReplaySigningKey',
    ResourceType: 'Custom::ReplaySigningKey',
    ResourceProperties: { ServiceToken: 'local', Kind: REPLAY_SIGNING_KEY, Secret: LOCAL_REPLAY_SECRET },
  });
  return z.object({ Data: z.object({ PublicKeyPem: z.string() }) }).parse(answer).Data.PublicKeyPem;
}
