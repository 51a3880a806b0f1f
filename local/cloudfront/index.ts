/**
 * Local CloudFront: the replay distribution in the local mode (docs/local-mode.md, "Replays"). It
 * serves the recordings bucket (the local S3 is its origin) under the distribution's behaviors:
 * the signed path pattern (lambdas/shared/domain/signed-urls.ts, every recording's HLS) answers
 * only requests with a valid CloudFront signed URL by a key of the trusted key group, the rest
 * (thumbnails) anyone. A refusal is a 403 with CloudFront's XML error, whatever the reason: no
 * signature, an unknown key, a tampered policy or signature, a time run out, another path.
 * Signing parameters are not forwarded to the origin (the distribution's origin request policy
 * forwards no query string). CORS as the distribution's response headers policy: any origin.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from '../http';
import { verifySignedUrl, wildcardMatch, type SignedRefusal } from '../../lambdas/shared/domain/signed-urls';

export interface LocalCloudFrontOptions {
  /** The origin: `<local S3 URL>/<bucket>` (path-style, as S3BucketOrigin reaches the bucket). */
  originUrl: string;
  /** The behavior that requires signed URLs (its path pattern, without the leading slash). */
  signedPathPattern: string;
  /** 0 or undefined: a free port. */
  port?: number;
  /** The clock the policies' times are checked against. @default Date.now */
  now?: () => number;
}

export interface LocalCloudFront {
  /** http://127.0.0.1:<port>: the distribution's domain (REPLAY_BASE_URL). */
  url: string;
  /** Adds a public key to the trusted key group (as the stack's AWS::CloudFront::PublicKey and KeyGroup). */
  trustKey(keyPairId: string, publicKeyPem: string): void;
  /** Every refusal so far, newest last (tests read why a request was refused). */
  refusals: { path: string; reason: SignedRefusal }[];
  /** The paths of the signed requests let through so far, newest last. */
  signedServed: string[];
  stop(): Promise<void>;
}

/** The response headers copied from the origin's answer. */
const PASSED_HEADERS = [
  'content-type',
  'content-length',
  'content-range',
  'accept-ranges',
  'etag',
  'last-modified',
  'cache-control',
];

/** Starts the distribution on 127.0.0.1. */
export async function startLocalCloudFront(opts: LocalCloudFrontOptions): Promise<LocalCloudFront> {
  const keys = new Map<string, string>();
  const refusals: LocalCloudFront['refusals'] = [];
  const signedServed: string[] = [];
  const now = opts.now ?? Date.now;
  const origin = new URL(opts.originUrl.replace(/\/+$/, ''));
  let base = '';

  const cors = (res: ServerResponse) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Expose-Headers', 'Content-Length, Content-Range, ETag');
  };
  const deny = (res: ServerResponse, status: number, code: string, message: string) => {
    res
      .writeHead(status, { 'Content-Type': 'text/xml' })
      .end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    cors(res);
    const method = req.method ?? 'GET';
    if (method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, OPTIONS');
      res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? '*');
      res.setHeader('Access-Control-Max-Age', '3600');
      res.writeHead(204).end();
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      deny(res, 403, 'MethodNotAllowed', 'This distribution only allows GET, HEAD and OPTIONS.');
      return;
    }
    const url = new URL(req.url ?? '/', base);
    const path = url.pathname.replace(/^\/+/, '');
    if (wildcardMatch(opts.signedPathPattern, path)) {
      const verdict = verifySignedUrl(url.toString(), keys, now());
      if (!verdict.ok) {
        refusals.push({ path, reason: verdict.reason });
        if (verdict.reason === 'MISSING')
          deny(res, 403, 'MissingKey', 'Missing Key-Pair-Id query parameter or cookie value');
        else deny(res, 403, 'AccessDenied', 'Access denied');
        return;
      }
      signedServed.push(path);
    }
    const upstream = request(
      {
        host: origin.hostname,
        port: origin.port,
        method,
        path: `${origin.pathname.replace(/\/+$/, '')}/${path}`,
        headers: {
          ...(req.headers.range ? { range: req.headers.range } : {}),
          ...(req.headers['if-none-match'] ? { 'if-none-match': req.headers['if-none-match'] } : {}),
        },
      },
      (answer) => {
        const headers: Record<string, string> = {};
        for (const name of PASSED_HEADERS) {
          const v = answer.headers[name];
          if (typeof v === 'string') headers[name] = v;
        }
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (res.headersSent) res.end();
      else deny(res, 502, 'OriginError', 'CloudFront could not reach the origin.');
    });
    upstream.end();
  };

  const server = createServer(handle);
  await listen(server, opts.port ?? 0, 'Local CloudFront');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: base,
    trustKey: (id, pem) => void keys.set(id, pem),
    refusals,
    signedServed,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
