/**
 * The playback authorization key in Secrets Manager (PLAYBACK_KEY_SECRET): JSON with the P-384
 * private key in PEM and the ARN of the IVS playback key pair its public half was imported as.
 * The playback-keys custom resource writes it (PutSecretValue there, so no reader bundles a write);
 * the playback function reads it to sign tokens.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ENV, requireEnv } from './env';

// Built here rather than in shared/clients so only the two functions that use it bundle it.
export const secretsManager = new SecretsManagerClient({});

export const playbackKeySecretSchema = z.object({
  privateKeyPem: z.string().includes('PRIVATE KEY'),
  keyPairArn: z.string().optional(),
});
export type PlaybackKeySecret = z.infer<typeof playbackKeySecretSchema>;

/** How long a read key is used before it is read again (a replaced key takes effect within this). */
const MAX_AGE_MS = 5 * 60_000;
let cached: { value: PlaybackKeySecret; readAt: number } | undefined;

/**
 * The secret's key, or undefined while it holds something else (CloudFormation's first random
 * string, before the custom resource ran). Cached for a few minutes.
 */
export async function readPlaybackKey(fresh = false): Promise<PlaybackKeySecret | undefined> {
  if (!fresh && cached && Date.now() - cached.readAt < MAX_AGE_MS) return cached.value;
  const raw =
    (await secretsManager.send(new GetSecretValueCommand({ SecretId: requireEnv(ENV.PLAYBACK_KEY_SECRET) })))
      .SecretString ?? '';
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return undefined;
  }
  const parsed = playbackKeySecretSchema.safeParse(json);
  if (!parsed.success) return undefined;
  cached = { value: parsed.data, readAt: Date.now() };
  return parsed.data;
}

/** Replaces the cached key after the custom resource wrote a new one (the writer: lambdas/playback-keys). */
export function rememberPlaybackKey(value: PlaybackKeySecret): void {
  cached = { value, readAt: Date.now() };
}
