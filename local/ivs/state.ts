/** Local IVS control-plane state (channels, stream keys), persisted as JSON under the data dir. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Channel {
  arn: string;
  id: string;
  name: string;
  latencyMode: string;
  type: string;
  authorized: boolean;
  recordingConfigurationArn: string;
  ingestEndpoint: string;
  playbackUrl: string;
  tags: Record<string, string>;
  insecureIngest: boolean;
  preset: string;
}

export interface StreamKey {
  arn: string;
  value: string;
  channelArn: string;
  tags: Record<string, string>;
}

/** An imported playback key pair: the public key that verifies private channels' playback tokens. */
export interface PlaybackKeyPair {
  arn: string;
  name: string;
  /** SPKI PEM, as imported. */
  publicKeyMaterial: string;
  fingerprint: string;
  tags: Record<string, string>;
}

export interface IvsState {
  channels: Channel[];
  keys: StreamKey[];
  /** Absent in state files written before playback authorization. */
  playbackKeyPairs?: PlaybackKeyPair[];
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
export function randomId(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += ALNUM[b % ALNUM.length];
  return out;
}

export class StateFile {
  state: IvsState;
  constructor(private readonly path: string) {
    this.state = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as IvsState) : { channels: [], keys: [] };
  }
  save(): void {
    mkdirSync(dirname(this.path), { recursive: true });
    writeFileSync(this.path, JSON.stringify(this.state, null, 2));
  }
}
