/**
 * Serves the web app's static build like Amplify Hosting does for the deployed stack: the
 * client-routed pages rewritten (`/u/<*>`, `/replay/<*>` → their index.html, as 200s), correct MIME
 * types (`.wasm` for the IVS player), HTML and `/runtime-config.json` not cached, hashed assets
 * cached immutably.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { listen } from '../http';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.webmanifest': 'application/manifest+json',
};

export function rewrite(path: string): string {
  if (/^\/u\/[^/]+\/?$/.test(path)) return '/u/index.html';
  if (/^\/replay\/[^/]+\/?$/.test(path)) return '/replay/index.html';
  return path;
}

export async function startWebServer(opts: {
  distDir: string;
  runtimeConfig: () => object;
  port?: number;
}): Promise<{ url: string; stop(): Promise<void> }> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      res.writeHead(400).end('bad path');
      return;
    }
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (path === '/runtime-config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache' });
      res.end(JSON.stringify(opts.runtimeConfig()));
      return;
    }
    let file = normalize(join(opts.distDir, rewrite(path)));
    if (!file.startsWith(opts.distDir)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      const notFound = join(opts.distDir, '404.html');
      res.writeHead(404, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
      if (existsSync(notFound)) createReadStream(notFound).pipe(res);
      else res.end('<h1>Not found</h1>');
      return;
    }
    const type = MIME[extname(file)] ?? 'application/octet-stream';
    res.writeHead(200, {
      'content-type': type,
      'cache-control': path.startsWith('/_astro/') ? 'public, max-age=31536000, immutable' : 'no-cache',
    });
    createReadStream(file).pipe(res);
  });
  await listen(server, opts.port ?? 0, 'Web app');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
