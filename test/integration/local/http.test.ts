import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { listen } from '../../../local/http';
import { startWebServer } from '../../../local/web/server';

describe('local listeners', () => {
  it('fail with one sentence naming the part and the port when the port is taken', async () => {
    const taken = createServer();
    await listen(taken, 0, 'blocker');
    const port = (taken.address() as { port: number }).port;
    await expect(startWebServer({ distDir: '/nonexistent', runtimeConfig: () => ({}), port })).rejects.toThrow(
      `Web app: port ${port} is already in use; stop the program using it (or a previous npm start) and try again.`,
    );
    await new Promise<void>((resolve) => taken.close(() => resolve()));
  });
});
