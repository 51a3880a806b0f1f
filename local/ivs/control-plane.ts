/**
 * The IVS control-plane operations the handlers call (REST-JSON, reached through
 * AWS_ENDPOINT_URL_IVS): channels, stream keys, streams and sessions, StopStream, PutMetadata with
 * IVS's size and rate limits, and tags; each call authorized for its calling function when IAM is on.
 */
import { createHash, createPublicKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { callerOf } from '../iam/caller';
import { ivsRequests } from '../iam/requests';
import { answerRestJson, listen, readBody } from '../http';
import { ACCOUNT, IvsError, REGION, type IvsContext } from './context';
import { randomId, type Channel, type PlaybackKeyPair } from './state';

/** What the control plane reads about a live channel from the HLS side. */
export interface LiveStats {
  viewerCount(channelId: string): number;
  liveBitrateKbps(channelId: string): number;
}

type Operation = (body: Record<string, unknown>) => unknown;

const channelView = (c: Channel) => ({
  arn: c.arn,
  name: c.name,
  latencyMode: c.latencyMode,
  type: c.type,
  authorized: c.authorized,
  recordingConfigurationArn: c.recordingConfigurationArn,
  ingestEndpoint: c.ingestEndpoint,
  playbackUrl: c.playbackUrl,
  tags: c.tags,
  insecureIngest: c.insecureIngest,
  preset: c.preset,
});

const newStreamKey = (channelArn: string, tags: Record<string, string>) => ({
  arn: `arn:aws:ivs:${REGION}:${ACCOUNT}:stream-key/${randomId(12)}`,
  value: `sk_${REGION}_${randomId(36)}`,
  channelArn,
  tags,
});

const keyPairView = (k: PlaybackKeyPair) => ({ arn: k.arn, name: k.name, fingerprint: k.fingerprint, tags: k.tags });

/**
 * A public key IVS accepts for playback authorization: a P-384 EC key in PEM. The fingerprint is the
 * SHA-256 of its DER (IVS answers an opaque fingerprint; the platform only compares it).
 */
function parsePlaybackPublicKey(material: unknown): { pem: string; fingerprint: string } {
  try {
    const key = createPublicKey(String(material ?? ''));
    if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'secp384r1')
      throw new Error('not P-384');
    const der = key.export({ type: 'spki', format: 'der' });
    return {
      pem: key.export({ type: 'spki', format: 'pem' }).toString(),
      fingerprint: createHash('sha256')
        .update(der)
        .digest('hex')
        .replace(/(..)(?!$)/g, '$1:'),
    };
  } catch {
    throw new IvsError(
      'ValidationException',
      'publicKeyMaterial must be an ECDSA P-384 public key in PEM format.',
      400,
    );
  }
}

/** The operations by name, over the context's channels, keys and live sessions. */
export function controlOperations(ctx: IvsContext, stats: LiveStats): Record<string, Operation> {
  const { file, sessions } = ctx;
  const findChannel = (arn: unknown): Channel => {
    const c = file.state.channels.find((x) => x.arn === arn);
    if (!c) throw new IvsError('ResourceNotFoundException', `Channel not found: ${String(arn)}`, 404);
    return c;
  };
  const liveSession = (channelArn: unknown) => {
    const c = findChannel(channelArn);
    const s = sessions.get(c.id);
    if (!s) throw new IvsError('ChannelNotBroadcasting', 'The channel is not broadcasting.', 404);
    return { c, s };
  };
  return {
    CreateChannel: (b) => {
      const id = randomId(12);
      const channel: Channel = {
        arn: `arn:aws:ivs:${REGION}:${ACCOUNT}:channel/${id}`,
        id,
        name: String(b.name ?? ''),
        latencyMode: String(b.latencyMode ?? 'LOW'),
        type: String(b.type ?? 'STANDARD'),
        authorized: b.authorized === true,
        recordingConfigurationArn: String(b.recordingConfigurationArn ?? ''),
        ingestEndpoint: '127.0.0.1',
        playbackUrl: `${ctx.playbackBaseUrl}/${id}/index.m3u8`,
        tags: (b.tags as Record<string, string>) ?? {},
        insecureIngest: b.insecureIngest === true,
        preset: String(b.preset ?? ''),
      };
      const key = newStreamKey(channel.arn, channel.tags);
      file.state.channels.push(channel);
      file.state.keys.push(key);
      file.save();
      return { channel: channelView(channel), streamKey: key };
    },
    GetChannel: (b) => ({ channel: channelView(findChannel(b.arn)) }),
    UpdateChannel: (b) => {
      const c = findChannel(b.arn);
      // IVS: "Live channels cannot be updated. You must stop the ongoing stream, update the channel, and restart the stream."
      if (sessions.has(c.id))
        throw new IvsError('ConflictException', 'Live channels cannot be updated; stop the stream first.', 409);
      if (typeof b.authorized === 'boolean') c.authorized = b.authorized;
      if (typeof b.name === 'string') c.name = b.name;
      if (typeof b.latencyMode === 'string') c.latencyMode = b.latencyMode;
      if (typeof b.type === 'string') c.type = b.type;
      if (typeof b.recordingConfigurationArn === 'string') c.recordingConfigurationArn = b.recordingConfigurationArn;
      file.save();
      return { channel: channelView(c) };
    },
    ImportPlaybackKeyPair: (b) => {
      const { pem, fingerprint } = parsePlaybackPublicKey(b.publicKeyMaterial);
      const pairs = (file.state.playbackKeyPairs ??= []);
      if (pairs.some((k) => k.fingerprint === fingerprint))
        throw new IvsError('ConflictException', 'A playback key pair with this public key already exists.', 409);
      // IVS's quota: 3 playback key pairs per account and region.
      if (pairs.length >= 3)
        throw new IvsError('ServiceQuotaExceededException', 'Playback key pairs per region: 3.', 402);
      const pair: PlaybackKeyPair = {
        arn: `arn:aws:ivs:${REGION}:${ACCOUNT}:playback-key/${randomId(12)}`,
        name: String(b.name ?? ''),
        publicKeyMaterial: pem,
        fingerprint,
        tags: (b.tags as Record<string, string>) ?? {},
      };
      pairs.push(pair);
      file.save();
      return { keyPair: keyPairView(pair) };
    },
    GetPlaybackKeyPair: (b) => {
      const pair = (file.state.playbackKeyPairs ?? []).find((k) => k.arn === b.arn);
      if (!pair) throw new IvsError('ResourceNotFoundException', `Playback key pair not found: ${String(b.arn)}`, 404);
      return { keyPair: keyPairView(pair) };
    },
    ListPlaybackKeyPairs: () => ({
      keyPairs: (file.state.playbackKeyPairs ?? []).map((k) => ({ arn: k.arn, name: k.name, tags: k.tags })),
    }),
    DeletePlaybackKeyPair: (b) => {
      const before = (file.state.playbackKeyPairs ?? []).length;
      file.state.playbackKeyPairs = (file.state.playbackKeyPairs ?? []).filter((k) => k.arn !== b.arn);
      if (file.state.playbackKeyPairs.length === before)
        throw new IvsError('ResourceNotFoundException', `Playback key pair not found: ${String(b.arn)}`, 404);
      file.save();
      return undefined;
    },
    ListChannels: (b) => ({
      channels: file.state.channels
        .filter((c) => !b.filterByName || c.name === b.filterByName)
        .map((c) => ({
          arn: c.arn,
          name: c.name,
          latencyMode: c.latencyMode,
          authorized: c.authorized,
          recordingConfigurationArn: c.recordingConfigurationArn,
          tags: c.tags,
          type: c.type,
        })),
    }),
    DeleteChannel: (b) => {
      const c = findChannel(b.arn);
      if (sessions.has(c.id)) throw new IvsError('ConflictException', 'Channel is live; stop the stream first.', 409);
      file.state.channels = file.state.channels.filter((x) => x !== c);
      file.state.keys = file.state.keys.filter((k) => k.channelArn !== c.arn);
      file.save();
      return undefined;
    },
    CreateStreamKey: (b) => {
      const c = findChannel(b.channelArn);
      const key = newStreamKey(c.arn, (b.tags as Record<string, string>) ?? {});
      file.state.keys.push(key);
      file.save();
      return { streamKey: key };
    },
    GetStreamKey: (b) => {
      const key = file.state.keys.find((k) => k.arn === b.arn);
      if (!key) throw new IvsError('ResourceNotFoundException', `Stream key not found: ${String(b.arn)}`, 404);
      return { streamKey: key };
    },
    ListStreamKeys: (b) => {
      findChannel(b.channelArn);
      return {
        streamKeys: file.state.keys
          .filter((k) => k.channelArn === b.channelArn)
          .map((k) => ({ arn: k.arn, channelArn: k.channelArn, tags: k.tags })),
      };
    },
    DeleteStreamKey: (b) => {
      const before = file.state.keys.length;
      file.state.keys = file.state.keys.filter((k) => k.arn !== b.arn);
      if (file.state.keys.length === before)
        throw new IvsError('ResourceNotFoundException', `Stream key not found: ${String(b.arn)}`, 404);
      file.save();
      return undefined;
    },
    GetStream: (b) => {
      const { c, s } = liveSession(b.channelArn);
      return {
        stream: {
          channelArn: c.arn,
          streamId: s.streamId,
          playbackUrl: c.playbackUrl,
          startTime: s.startTime.toISOString(),
          state: 'LIVE',
          health: 'HEALTHY',
          viewerCount: stats.viewerCount(c.id),
        },
      };
    },
    GetStreamSession: (b) => {
      const c = findChannel(b.channelArn);
      const s = sessions.get(c.id);
      if (!s || (b.streamId && b.streamId !== s.streamId))
        throw new IvsError('ResourceNotFoundException', 'Stream session not found.', 404);
      return {
        streamSession: {
          streamId: s.streamId,
          startTime: s.startTime.toISOString(),
          channel: channelView(c),
          ingestConfiguration: {
            video: {
              codec: 'avc1',
              targetBitrate: Math.round(stats.liveBitrateKbps(c.id) * 1000),
              targetFramerate: Math.round(s.progress.fps ?? 0),
            },
            audio: { codec: 'mp4a.40.2' },
          },
          truncatedEvents: [],
        },
      };
    },
    ListStreams: () => ({
      streams: [...sessions.values()].map((s) => ({
        channelArn: s.channel.arn,
        streamId: s.streamId,
        startTime: s.startTime.toISOString(),
        state: 'LIVE',
        health: 'HEALTHY',
        viewerCount: stats.viewerCount(s.channel.id),
      })),
    }),
    StopStream: (b) => {
      liveSession(b.channelArn).s.socket.destroy();
      return {};
    },
    PutMetadata: (b) => {
      const { s } = liveSession(b.channelArn);
      const payload = String(b.metadata ?? '');
      if (Buffer.byteLength(payload) > 1024)
        throw new IvsError('ValidationException', 'metadata must be at most 1 KB.', 400);
      const now = Date.now();
      s.metadataTimes = s.metadataTimes.filter((t) => now - t < 1000);
      if (s.metadataTimes.length >= 5)
        throw new IvsError('ThrottlingException', 'PutMetadata is limited to 5 calls per second per channel.', 429);
      s.metadataTimes.push(now);
      s.metadata = s.metadata.filter((m) => now - Date.parse(m.at) < 120_000);
      s.metadata.push({ at: new Date(now).toISOString(), payload });
      return undefined;
    },
  };
}

/** Serves the operations (and `/tags/<arn>`) on `port`, answering errors as IVS does. */
export async function startControlServer(
  ctx: IvsContext,
  ops: Record<string, Operation>,
  port: number,
): Promise<Server> {
  const { file, opts } = ctx;
  const control = createServer(
    (req, res) =>
      void answerRestJson(
        res,
        async () => {
          const url = new URL(req.url ?? '/', 'http://127.0.0.1');
          const tagMatch = /^\/tags\/(.+)$/.exec(url.pathname);
          const raw = await readBody(req);
          const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
          if (opts.iam) {
            const opName = tagMatch
              ? (({ POST: 'TagResource', DELETE: 'UntagResource' } as Record<string, string>)[req.method ?? ''] ??
                'ListTagsForResource')
              : url.pathname.slice(1);
            const lookup = {
              tagsOf: (arn: string) =>
                (
                  file.state.channels.find((c) => c.arn === arn) ??
                  file.state.keys.find((k) => k.arn === arn) ??
                  file.state.playbackKeyPairs?.find((k) => k.arn === arn)
                )?.tags,
              keysOf: (channelArn: string) =>
                file.state.keys.filter((k) => k.channelArn === channelArn).map((k) => k.arn),
            };
            const resourceArn = tagMatch ? decodeURIComponent(tagMatch[1] as string) : undefined;
            await opts.iam.enforce(
              callerOf(req),
              ivsRequests(opName, { ...body, resourceArn }, lookup, { region: REGION, account: ACCOUNT }),
            );
          }
          if (tagMatch) {
            const arn = decodeURIComponent(tagMatch[1] as string);
            const target = file.state.channels.find((c) => c.arn === arn) ?? file.state.keys.find((k) => k.arn === arn);
            if (!target) throw new IvsError('ResourceNotFoundException', `Resource not found: ${arn}`, 404);
            if (req.method !== 'POST') return { tags: target.tags };
            target.tags = { ...target.tags, ...(body.tags as Record<string, string>) };
            file.save();
            return {};
          }
          const op = ops[url.pathname.slice(1)];
          if (!op)
            throw new IvsError(
              'ValidationException',
              `The local IVS endpoint does not implement ${url.pathname.slice(1)}.`,
              400,
            );
          return op(body);
        },
        (message) => ({ message, exceptionMessage: message }),
      ),
  );
  await listen(control, port, 'IVS control plane');
  return control;
}
