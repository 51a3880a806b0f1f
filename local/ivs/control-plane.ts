/**
 * The IVS control-plane operations the handlers call (REST-JSON, reached through
 * AWS_ENDPOINT_URL_IVS): channels, stream keys, streams and sessions, StopStream, PutMetadata with
 * IVS's size and rate limits, and tags; each call authorized for its calling function when IAM is on.
 */
import { createServer, type Server } from 'node:http';
import { callerOf } from '../iam/caller';
import { ivsRequests } from '../iam/requests';
import { answerRestJson, listen, readBody } from '../http';
import { ACCOUNT, IvsError, REGION, type IvsContext } from './context';
import { randomId, type Channel } from './state';

/** What the control plane reads about a live channel from the HLS side. */
export interface LiveStats {
  viewerCount(channelId: string): number;
  liveBitrateKbps(channelId: string): number;
}

type Operation = (body: Record<string, unknown>) => unknown;

const channelView = (c: Channel) => ({
  arn: c.arn, name: c.name, latencyMode: c.latencyMode, type: c.type, authorized: c.authorized, recordingConfigurationArn: c.recordingConfigurationArn,
  ingestEndpoint: c.ingestEndpoint, playbackUrl: c.playbackUrl, tags: c.tags, insecureIngest: c.insecureIngest, preset: c.preset,
});

const newStreamKey = (channelArn: string, tags: Record<string, string>) =>
  ({ arn: `arn:aws:ivs:${REGION}:${ACCOUNT}:stream-key/${randomId(12)}`, value: `sk_${REGION}_${randomId(36)}`, channelArn, tags });

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
        arn: `arn:aws:ivs:${REGION}:${ACCOUNT}:channel/${id}`, id, name: String(b.name ?? ''), latencyMode: String(b.latencyMode ?? 'LOW'),
        type: String(b.type ?? 'STANDARD'), authorized: b.authorized === true, recordingConfigurationArn: String(b.recordingConfigurationArn ?? ''),
        ingestEndpoint: '127.0.0.1', playbackUrl: `${ctx.playbackBaseUrl}/${id}/index.m3u8`, tags: (b.tags as Record<string, string>) ?? {},
        insecureIngest: b.insecureIngest === true, preset: String(b.preset ?? ''),
      };
      const key = newStreamKey(channel.arn, channel.tags);
      file.state.channels.push(channel);
      file.state.keys.push(key);
      file.save();
      return { channel: channelView(channel), streamKey: key };
    },
    GetChannel: (b) => ({ channel: channelView(findChannel(b.arn)) }),
    ListChannels: (b) => ({
      channels: file.state.channels.filter((c) => !b.filterByName || c.name === b.filterByName)
        .map((c) => ({ arn: c.arn, name: c.name, latencyMode: c.latencyMode, authorized: c.authorized, recordingConfigurationArn: c.recordingConfigurationArn, tags: c.tags, type: c.type })),
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
      return { streamKeys: file.state.keys.filter((k) => k.channelArn === b.channelArn).map((k) => ({ arn: k.arn, channelArn: k.channelArn, tags: k.tags })) };
    },
    DeleteStreamKey: (b) => {
      const before = file.state.keys.length;
      file.state.keys = file.state.keys.filter((k) => k.arn !== b.arn);
      if (file.state.keys.length === before) throw new IvsError('ResourceNotFoundException', `Stream key not found: ${String(b.arn)}`, 404);
      file.save();
      return undefined;
    },
    GetStream: (b) => {
      const { c, s } = liveSession(b.channelArn);
      return { stream: { channelArn: c.arn, streamId: s.streamId, playbackUrl: c.playbackUrl, startTime: s.startTime.toISOString(), state: 'LIVE', health: 'HEALTHY', viewerCount: stats.viewerCount(c.id) } };
    },
    GetStreamSession: (b) => {
      const c = findChannel(b.channelArn);
      const s = sessions.get(c.id);
      if (!s || (b.streamId && b.streamId !== s.streamId)) throw new IvsError('ResourceNotFoundException', 'Stream session not found.', 404);
      return { streamSession: {
        streamId: s.streamId, startTime: s.startTime.toISOString(), channel: channelView(c),
        ingestConfiguration: { video: { codec: 'avc1', targetBitrate: Math.round(stats.liveBitrateKbps(c.id) * 1000), targetFramerate: Math.round(s.progress.fps ?? 0) }, audio: { codec: 'mp4a.40.2' } },
        truncatedEvents: [],
      } };
    },
    ListStreams: () => ({ streams: [...sessions.values()].map((s) => ({ channelArn: s.channel.arn, streamId: s.streamId, startTime: s.startTime.toISOString(), state: 'LIVE', health: 'HEALTHY', viewerCount: stats.viewerCount(s.channel.id) })) }),
    StopStream: (b) => {
      liveSession(b.channelArn).s.socket.destroy();
      return {};
    },
    PutMetadata: (b) => {
      const { s } = liveSession(b.channelArn);
      const payload = String(b.metadata ?? '');
      if (Buffer.byteLength(payload) > 1024) throw new IvsError('ValidationException', 'metadata must be at most 1 KB.', 400);
      const now = Date.now();
      s.metadataTimes = s.metadataTimes.filter((t) => now - t < 1000);
      if (s.metadataTimes.length >= 5) throw new IvsError('ThrottlingException', 'PutMetadata is limited to 5 calls per second per channel.', 429);
      s.metadataTimes.push(now);
      s.metadata = s.metadata.filter((m) => now - Date.parse(m.at) < 120_000);
      s.metadata.push({ at: new Date(now).toISOString(), payload });
      return undefined;
    },
  };
}

/** Serves the operations (and `/tags/<arn>`) on `port`, answering errors as IVS does. */
export async function startControlServer(ctx: IvsContext, ops: Record<string, Operation>, port: number): Promise<Server> {
  const { file, opts } = ctx;
  const control = createServer((req, res) => void answerRestJson(res, async () => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const tagMatch = /^\/tags\/(.+)$/.exec(url.pathname);
    const raw = await readBody(req);
    const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    if (opts.iam) {
      const opName = tagMatch ? ({ POST: 'TagResource', DELETE: 'UntagResource' } as Record<string, string>)[req.method ?? ''] ?? 'ListTagsForResource' : url.pathname.slice(1);
      const lookup = {
        tagsOf: (arn: string) => (file.state.channels.find((c) => c.arn === arn) ?? file.state.keys.find((k) => k.arn === arn))?.tags,
        keysOf: (channelArn: string) => file.state.keys.filter((k) => k.channelArn === channelArn).map((k) => k.arn),
      };
      const resourceArn = tagMatch ? decodeURIComponent(tagMatch[1] as string) : undefined;
      await opts.iam.enforce(callerOf(req), ivsRequests(opName, { ...body, resourceArn }, lookup, { region: REGION, account: ACCOUNT }));
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
    if (!op) throw new IvsError('ValidationException', `The local IVS endpoint does not implement ${url.pathname.slice(1)}.`, 400);
    return op(body);
  }, (message) => ({ message, exceptionMessage: message })));
  await listen(control, port, 'IVS control plane');
  return control;
}
