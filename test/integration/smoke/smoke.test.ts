/**
 * The deployment smoke test (scripts/smoke) against the local mode: startLocalPlatform on free
 * ports and a temporary data dir, then the same steps an operator runs against AWS. The local
 * Cognito (cognito-local) answers AdminConfirmSignUp and AdminDeleteUser on the same JSON protocol,
 * so confirmation goes through the operator path, not the local outbox.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IvsClient, ListChannelsCommand } from '@aws-sdk/client-ivs';
import { IvschatClient, ListRoomsCommand } from '@aws-sdk/client-ivschat';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gql, provisionChannel, signUpAndIn } from '../../../local/client';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/dynamodb/server';
import { freePort } from '../../../local/http';
import { startLocalPlatform, ROOT, type LocalPlatform } from '../../../local/start';
import { CognitoClient, CognitoError } from '../../../scripts/smoke/cognito';
import { formatStep, runSmoke, STEPS, webUrlFromOutputs, type SmokeOptions } from '../../../scripts/smoke/smoke';

let platform: LocalPlatform;
let dataDir: string;
let options: SmokeOptions;
let ivs: IvsClient;
let ivschat: IvschatClient;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'smoke-it-'));
  platform = await startLocalPlatform({ dataDir, ports: 'free', log: () => undefined });
  const e = platform.endpoints;
  options = {
    webUrl: e.webUrl,
    credentials: LOCAL_CREDENTIALS,
    endpoints: { ivs: e.ivsUrl, ivschat: e.ivschatUrl },
    pollEveryMs: 200,
  };
  ivs = new IvsClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: e.ivsUrl });
  ivschat = new IvschatClient({ region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, endpoint: e.ivschatUrl });
});

afterAll(async () => {
  ivs?.destroy();
  ivschat?.destroy();
  await platform?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** Whether the platform still holds a channel or room tagged with this owner. */
async function runtimeResourcesOf(userId: string): Promise<{ channels: number; rooms: number }> {
  const channels =
    (await ivs.send(new ListChannelsCommand({}))).channels?.filter((c) => c.tags?.owner === userId).length ?? 0;
  const rooms =
    (await ivschat.send(new ListRoomsCommand({}))).rooms?.filter((r) => r.tags?.owner === userId).length ?? 0;
  return { channels, rooms };
}

/** A finished recording of `userId`'s channel, as IVS leaves it in the bucket, indexed by the recording-state handler. */
async function seedReplay(userId: string): Promise<void> {
  const e = platform.endpoints;
  const channel = (await ivs.send(new ListChannelsCommand({}))).channels?.find((c) => c.tags?.owner === userId);
  if (!channel?.arn) throw new Error('the streamer has no channel');
  const channelId = channel.arn.split('/').pop() as string;
  const prefix = `ivs/v1/000000000000/${channelId}/2026/12/2/11/0/smokeSession1`;
  const s3 = new S3Client({
    region: LOCAL_REGION,
    credentials: LOCAL_CREDENTIALS,
    endpoint: e.s3Url,
    forcePathStyle: true,
  });
  const put = (key: string, body: string) =>
    s3.send(new PutObjectCommand({ Bucket: 'local-recordings', Key: `${prefix}/${key}`, Body: body }));
  const ended = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/recordings/recording-ended.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  await put('events/recording-ended.json', JSON.stringify({ ...ended, channel_arn: channel.arn }));
  await put('media/hls/master.m3u8', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=3000000\n720p60/playlist.m3u8\n');
  await put('media/hls/720p60/playlist.m3u8', '#EXTM3U\n#EXTINF:2.0,\n0.ts\n#EXT-X-ENDLIST\n');
  s3.destroy();
  const end = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/recordings/recording-end.json'), 'utf8')) as {
    detail: Record<string, unknown>;
  };
  await platform.runner.invoke('recording-state', {
    ...end,
    id: 'smoke-recording-end',
    account: '000000000000',
    region: LOCAL_REGION,
    time: new Date().toISOString(),
    resources: [channel.arn],
    detail: {
      ...end.detail,
      recording_s3_bucket_name: 'local-recordings',
      recording_s3_key_prefix: prefix,
      recording_duration_ms: 2000,
    },
  });
}

/** Runs the command line (`npm run smoke`'s script) with the local credentials and endpoints. */
function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const e = platform.endpoints;
  const child = spawn(
    process.execPath,
    [join(ROOT, 'node_modules/tsx/dist/cli.mjs'), join(ROOT, 'scripts/smoke.ts'), ...args],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
        AWS_ENDPOINT_URL_IVS: e.ivsUrl,
        AWS_ENDPOINT_URL_IVSCHAT: e.ivschatUrl,
        AWS_PROFILE: '',
        AWS_SESSION_TOKEN: '',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('smoke test against the local mode', () => {
  it('passes every step on a fresh deployment, says there is no replay yet, and deletes what it created', async () => {
    const lines: string[] = [];
    const report = await runSmoke({ ...options, onStep: (s) => lines.push(formatStep(s)) });

    expect(report.steps.map((s) => [s.name, s.status])).toEqual(
      STEPS.map((name) => [name, name === 'replay playlist' ? 'skipped' : 'ok']),
    );
    expect(report.ok).toBe(true);
    expect(lines[0]).toMatch(/^✓ runtime config \(\d+ ms\): stage local, region us-east-1, API 127\.0\.0\.1:\d+$/);
    expect(lines.find((l) => l.startsWith('✓ chat token'))).toContain(
      'role STREAMER, capabilities SEND_MESSAGE, DELETE_MESSAGE, DISCONNECT_USER',
    );
    expect(lines.find((l) => l.includes('replay playlist'))).toMatch(/^– replay playlist \(\d+ ms\): no replay yet/);
    const cleanUp = report.steps.find((s) => s.name === 'clean up');
    expect(cleanUp?.detail).toMatch(
      /^deleted the user, 1 IVS channel, 1 chat room; the profile and handle smoke_[0-9a-f]{8} stay in the table$/,
    );

    // The user is gone from the pool, and no channel or room is left with its owner tag.
    const handle = /handle (smoke_[0-9a-f]{8})/.exec(cleanUp?.detail ?? '')?.[1];
    const { streamer } = await gql<{ streamer: { userId: string } | null }>(
      platform.endpoints.graphqlUrl,
      'query($h: String!) { streamer(handle: $h) { userId } }',
      { h: handle },
    );
    expect(streamer?.userId).toBeTruthy();
    expect(await runtimeResourcesOf(streamer!.userId)).toEqual({ channels: 0, rooms: 0 });
    const email = /^(\S+) \(handle/.exec(report.steps.find((s) => s.name === 'sign up')?.detail ?? '')?.[1];
    const admin = new CognitoClient({
      region: LOCAL_REGION,
      endpoint: platform.endpoints.cognitoUrl,
      credentials: LOCAL_CREDENTIALS,
    });
    await expect(admin.admin('AdminGetUser', { UserPoolId: platform.userPoolId, Username: email })).rejects.toSatisfy(
      (e: unknown) => e instanceof CognitoError && e.name === 'UserNotFoundException',
    );
  });

  it("fetches the newest replay's playlist from the replay base URL with the site's Origin (command line, exit 0)", async () => {
    const e = platform.endpoints;
    const streamer = await signUpAndIn({
      cognitoUrl: e.cognitoUrl,
      clientId: platform.userPoolClientId,
      outboxDir: join(dataDir, 'outbox'),
      email: 'replays@example.com',
      password: 'Local-Test-Pass-1!',
      handle: 'replays',
    });
    await provisionChannel(e.graphqlUrl, streamer.idToken, 'replays');
    await seedReplay(streamer.sub);

    const run = await cli(['--web-url', e.webUrl]);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split('\n');
    expect(lines[0]).toBe(`Smoke test of ${e.webUrl}`);
    expect(lines.slice(1, -1).map((l) => l.slice(0, 1))).toEqual(STEPS.map(() => '✓'));
    expect(lines.find((l) => l.startsWith('✓ replay playlist'))).toMatch(
      new RegExp(`: rec_\\S+ by replays: 127\\.0\\.0\\.1:\\d+, HTTP 200, \\d+ bytes, CORS \\*$`),
    );
    expect(lines.at(-1)).toMatch(/^All checks passed in \d+\.\d s\.$/);
    // The streamer who owns the replay keeps its channel: only the throwaway user's resources go.
    expect(await runtimeResourcesOf(streamer.sub)).toEqual({ channels: 1, rooms: 1 });
  });

  it('fails with a sentence naming the runtime config when the site answers 403 for it, and skips the rest (exit 1)', async () => {
    const forbidden: Server = createServer((_req, res) => {
      res.writeHead(403, { 'content-type': 'text/plain' }).end('Access Denied');
    });
    await new Promise<void>((r) => forbidden.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(forbidden.address() as { port: number }).port}`;
    try {
      const report = await runSmoke({ ...options, webUrl: url });
      expect(report.ok).toBe(false);
      expect(report.steps[0]).toMatchObject({
        name: 'runtime config',
        status: 'failed',
        detail: `The web app's runtime config ${url}/runtime-config.json answered HTTP 403 (Access Denied): the app cannot load its settings.`,
      });
      expect(report.steps.slice(1).map((s) => s.status)).toEqual(STEPS.slice(1).map(() => 'skipped'));
      expect(report.steps.at(-1)?.detail).toBe('nothing was created.');
      const closed = `http://127.0.0.1:${await freePort()}`;
      const refused = await runSmoke({ ...options, webUrl: closed });
      expect(refused.steps[0]?.detail).toBe(
        `Could not reach the web app at ${closed}/runtime-config.json: connection refused.`,
      );

      const run = await cli(['--web-url', url]);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`✗ runtime config (`);
      expect(run.stdout.trim().split('\n').at(-1)).toMatch(
        /^1 check failed \(runtime config\) in \d+\.\d s; see docs\/deploy\.md\.$/,
      );
    } finally {
      await new Promise((r) => forbidden.close(r));
    }
  });

  it('reads the web URL from cdk-outputs.json and refuses an ambiguous or missing one (exit 2)', async () => {
    const file = join(dataDir, 'cdk-outputs.json');
    writeFileSync(
      file,
      JSON.stringify({ 'lvs-dev-platform': { WebUrl: 'https://main.d1.amplifyapp.com', GraphqlUrl: 'x' } }),
    );
    expect(webUrlFromOutputs(file)).toBe('https://main.d1.amplifyapp.com');
    writeFileSync(file, JSON.stringify({ a: { WebUrl: 'https://a' }, b: { WebUrl: 'https://b' } }));
    expect(() => webUrlFromOutputs(file)).toThrow('has several stacks with a WebUrl (a, b): pick one with --stack.');
    expect(webUrlFromOutputs(file, 'b')).toBe('https://b');

    const run = await cli(['--outputs', join(dataDir, 'missing.json')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`Cannot read the stack outputs file ${join(dataDir, 'missing.json')}`);
  });
});
