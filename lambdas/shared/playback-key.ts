/**
 * The signing keys in Secrets Manager: the IVS playback authorization key (PLAYBACK_KEY_SECRET:
 * JSON with the P-384 private key in PEM and the ARN of the IVS playback key pair its public half
 * was imported as) and the replay distribution's CloudFront signing key (REPLAY_KEY_SECRET: the RSA
 * private key and its public half). The playback-keys custom resource writes both (PutSecretValue
 * there, so no reader bundles a write); the playback and replay functions read them to sign.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { ENV, requireEnv } from './env';

// Built here rather than in shared/clients so only the functions that use it bundle it.
export const secretsManager = new SecretsManagerClient({});

export const playbackKeySecretSchema = z.object({
  privateKeyPem: z.string().includes('PRIVATE KEY'),
  keyPairArn: z.string().optional(),
});
export type PlaybackKeySecret = z.infer<typeof playbackKeySecretSchema>;

export const replayKeySecretSchema = z.object({
  privateKeyPem: z.string().includes('PRIVATE KEY'),
  publicKeyPem: z.string().includes('PUBLIC KEY'),
});
export type ReplayKeySecret = z.infer<typeof replayKeySecretSchema>;

/** How long a read key is used before it is read again (a replaced key takes effect within this). */
const MAX_AGE_MS = 5 * 60_000;

/**
 * A cached reader of the JSON secret named by the environment variable `envName`: its value, or
 * undefined while it holds something else (CloudFormation's first random string, before the custom
 * resource ran).
 */
function keySecret<T>(envName: string, schema: z.ZodType<T>) {
  let cached: { value: T; readAt: number } | undefined;
  return {
    async read(fresh = false): Promise<T | undefined> {
      if (!fresh && cached && Date.now() - cached.readAt < MAX_AGE_MS) return cached.value;
      const raw =
        (await secretsManager.send(new GetSecretValueCommand({ SecretId: requireEnv(envName) }))).SecretString ?? '';
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        return undefined;
      }
      const parsed = schema.safeParse(json);
      if (!parsed.success) return undefined;
      cached = { value: parsed.data, readAt: Date.now() };
      return parsed.data;
    },
    remember(value: T): void {
      cached = { value, readAt: Date.now() };
    },
  };
}

const playbackKey = keySecret(ENV.PLAYBACK_KEY_SECRET, playbackKeySecretSchema);
const replayKey = keySecret(ENV.REPLAY_KEY_SECRET, replayKeySecretSchema);

/** The IVS playback key, or undefined while the secret holds none yet. Cached for a few minutes. */
export const readPlaybackKey = (fresh = false): Promise<PlaybackKeySecret | undefined> => playbackKey.read(fresh);

/** Replaces the cached key after the custom resource wrote a new one (the writer: lambdas/playback-keys). */
export const rememberPlaybackKey = (value: PlaybackKeySecret): void => playbackKey.remember(value);

/** The replay distribution's signing key, or undefined while the secret holds none yet. Cached for a few minutes. */
export const readReplayKey = (fresh = false): Promise<ReplayKeySecret | undefined> => replayKey.read(fresh);

/** Replaces the cached replay key after the custom resource wrote it. */
export const rememberReplayKey = (value: ReplayKeySecret): void => replayKey.remember(value);
