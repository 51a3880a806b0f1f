/**
 * RTMP ingest at rtmp://127.0.0.1:<port>/app/<streamKey>: a publish with an unknown or deleted key,
 * or to a channel already live, is refused by closing its connection; an accepted one starts a live
 * session, and the publisher's disconnect ends it.
 */
import type { IvsContext } from './context';
import type { LiveSessions } from './live-session';
import { startRtmpServer, type NmsSession, type RtmpServer } from './nms';

/** Starts node-media-server on `port` with the local IVS's publish rules. `players` is filled with ffmpeg's pulls. */
export function startRtmpIngest(
  ctx: IvsContext,
  port: number,
  live: LiveSessions,
  players: Map<string, Set<NmsSession>>,
): Promise<RtmpServer> {
  const { file, sessions, log } = ctx;
  return startRtmpServer(port, ctx.opts.dataDir, {
    postPlay(session) {
      if (!players.has(session.streamPath)) players.set(session.streamPath, new Set());
      players.get(session.streamPath)?.add(session);
    },
    donePlay(session) {
      players.get(session.streamPath)?.delete(session);
    },
    prePublish(session) {
      const key = session.streamPath.split('/').pop() ?? '';
      const record = session.streamApp === 'app' ? file.state.keys.find((k) => k.value === key) : undefined;
      const channel = record ? file.state.channels.find((c) => c.arn === record.channelArn) : undefined;
      if (!channel) {
        log(`rejected RTMP publish to ${session.streamPath}: unknown stream key`);
        session.socket.destroy();
        return;
      }
      if (sessions.has(channel.id)) {
        log(`rejected RTMP publish for ${channel.name}: the channel is already live`);
        session.socket.destroy();
        return;
      }
      // The publisher's connection is the stream: when it closes, the stream ends.
      session.socket.once('close', () => {
        const s = sessions.get(channel.id);
        if (s && s.socket === session.socket) void live.end(s);
      });
      // ffmpeg pulls the stream once the publisher is registered; media time 0 is this moment.
      const publishedAt = new Date();
      setImmediate(
        () =>
          void live
            .start(channel, key, session, publishedAt)
            .catch((error: unknown) => log(`could not start ${channel.name}: ${(error as Error).message}`)),
      );
    },
  });
}
