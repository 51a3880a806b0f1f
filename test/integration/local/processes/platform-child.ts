/**
 * Fixture for processes.test.ts: the local mode with the demo stream live, in a process of its own
 * (`node --import tsx platform-child.ts <dataDir>`). Prints `READY <endpoints JSON>` once the demo
 * channel is live (DynamoDB Local, cognito-local, the demo's ffmpeg and the local IVS's ffmpeg all
 * running), then waits to be killed.
 */
import { startLocalPlatform } from '../../../../local/start';
import { runDemo } from '../../../../local/demo';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: platform-child.ts <dataDir>');
const platform = await startLocalPlatform({ dataDir, ports: 'free', web: false, log: () => undefined });
await runDemo(platform, () => undefined);
const deadline = Date.now() + 60_000;
for (;;) {
  const res = await fetch(platform.endpoints.graphqlUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: '{ streamer(handle: "demo") { status } }' }),
  });
  const status = ((await res.json()) as { data?: { streamer?: { status?: string } } }).data?.streamer?.status;
  if (status === 'LIVE') break;
  if (Date.now() > deadline) throw new Error('the demo stream did not go live');
  await new Promise((r) => setTimeout(r, 250));
}
console.log(`READY ${JSON.stringify(platform.endpoints)}`);
setInterval(() => undefined, 60_000);
