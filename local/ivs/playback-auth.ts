/**
 * Playback authorization of the local IVS, as IVS documents it for private channels
 * (docs/local-ivs.md, "Private channels"): a channel with `authorized` plays only with a playback
 * token (`?token=`, ES384 JWT signed by a key whose public half was imported with
 * ImportPlaybackKeyPair) on the playback URL. A valid token opens an authorized session: the answer
 * is a multivariant playlist whose variant and segment URLs are bound to that session
 * (`/<channel>/s/<session>/…`, no token in them), so a token that expires later does not stop a
 * viewer who is already watching, while a session URL is refused on another channel, after the
 * session went unused, or when made up. Everything refused is a 403.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { verifyPlaybackToken, type PlaybackRefusal } from '../../lambdas/shared/domain/playback-token';
import type { StateFile } from './state';

/** A session unused this long is over (its URLs answer 403); players reload a live playlist every second or two. */
export const SESSION_IDLE_MS = 30_000;

export type SessionRefusal = 'NO_SESSION' | 'UNKNOWN_SESSION' | 'WRONG_CHANNEL' | 'SESSION_EXPIRED';

/** What the HLS server does with a request on an authorized channel. */
export type PlaybackDecision =
  /** Serve the file at `path` (the session prefix taken off). */
  | { kind: 'serve'; path: string }
  /** Answer the multivariant playlist of a new session. */
  | { kind: 'session'; sessionId: string }
  | { kind: 'refuse'; reason: PlaybackRefusal | SessionRefusal };

interface Session {
  channelId: string;
  lastUsed: number;
}

/** Sessions and token checks of one local IVS. */
export function playbackAuthorizer(file: StateFile, opts: { idleMs?: number; now?: () => number } = {}) {
  const sessions = new Map<string, Session>();
  const idleMs = opts.idleMs ?? SESSION_IDLE_MS;
  const now = opts.now ?? Date.now;
  return {
    /**
     * The decision for `path` (`/<channelId>/…`) of `channelArn`'s authorized channel. The playback
     * URL (`/<channelId>/index.m3u8`) needs a token; everything else a live session of this channel.
     */
    decide(req: IncomingMessage, channelId: string, channelArn: string, path: string): PlaybackDecision {
      const rest = path.slice(channelId.length + 2);
      if (rest === 'index.m3u8') {
        const token = new URL(req.url ?? '/', 'http://x').searchParams.get('token');
        const keys = (file.state.playbackKeyPairs ?? []).map((k) => k.publicKeyMaterial);
        const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
        const verdict = verifyPlaybackToken(token, channelArn, keys, { nowMs: now(), origin });
        if (!verdict.ok) return { kind: 'refuse', reason: verdict.reason };
        for (const [id, s] of sessions) if (now() - s.lastUsed > idleMs) sessions.delete(id);
        const sessionId = randomBytes(18).toString('base64url');
        sessions.set(sessionId, { channelId, lastUsed: now() });
        return { kind: 'session', sessionId };
      }
      const bound = /^s\/([^/]+)\/(.+)$/.exec(rest);
      if (!bound) return { kind: 'refuse', reason: 'NO_SESSION' };
      const session = sessions.get(bound[1] as string);
      if (!session) return { kind: 'refuse', reason: 'UNKNOWN_SESSION' };
      if (session.channelId !== channelId) return { kind: 'refuse', reason: 'WRONG_CHANNEL' };
      if (now() - session.lastUsed > idleMs) {
        sessions.delete(bound[1] as string);
        return { kind: 'refuse', reason: 'SESSION_EXPIRED' };
      }
      session.lastUsed = now();
      return { kind: 'serve', path: `/${channelId}/${bound[2] as string}` };
    },
  };
}

/** The multivariant playlist of a session: one variant, the live rendition, under the session's prefix. */
export function sessionMultivariant(sessionId: string, bandwidth: number): string {
  return `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-STREAM-INF:BANDWIDTH=${Math.max(1, Math.round(bandwidth))}\ns/${sessionId}/index.m3u8\n`;
}
