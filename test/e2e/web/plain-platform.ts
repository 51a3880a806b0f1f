/**
 * Fixture for demo.test.ts: the local mode without `--demo`, in a process of its own (a platform's
 * in-process Lambdas keep the endpoints of the first platform their process started, so a second
 * one in the test's process would reach the first). `node --import tsx plain-platform.ts <dataDir>`
 * prints `PLATFORM <json>` (endpoints and app client id) once it answers, and stops on SIGTERM.
 */
import { startLocalPlatform } from '../../../local/start';

const dataDir = process.argv[2];
if (!dataDir) throw new Error('usage: plain-platform.ts <dataDir>');
const platform = await startLocalPlatform({ dataDir, ports: 'free', log: () => undefined });
process.once('SIGTERM', () => void platform.stop().then(() => process.exit(0)));
console.log(
  `PLATFORM ${JSON.stringify({ endpoints: platform.endpoints, userPoolClientId: platform.userPoolClientId })}`,
);
setInterval(() => undefined, 60_000);
