/**
 * A show night against the local mode, loopback only, bounded in count and time: one streamer live
 * (ffmpeg pushing RTMP, as OBS would), HLS viewers (playlist + new segments, as a player polls, each
 * from its own loopback address so the platform can count them apart), IVS Chat connections with
 * tokens from createChatToken (signed-in chatters send, guests read), bidders in the last seconds of
 * an auction, a buy-now race and likes. Measures what was lost, how fast answers and deliveries came,
 * what the platform reported as viewers, and the local mode's CPU and memory (its process tree runs
 * in a child process, platform-child.ts). Used by `npm run bench -- show-night` and, in a small
 * slice, by the integration test.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChatRoom, SendMessageRequest } from 'amazon-ivs-chat-messaging';
import type { Endpoints } from '../../../local/start';
import { provisionChannel, signIn, type LocalSession } from '../../../local/client';
import { publish, type Publisher } from '../../integration/local/ivs/helpers';
import type { ChildMessage, ParentMessage } from './platform-child';
import { sampleResources, type ResourcePeaks } from './resources';
import type { ViewerStats, ViewersMessage } from './viewers';

/** Sizes of the night; the defaults are issue 12's. */
export interface ShowNightSizes {
  viewers: number;
  chatConnections: number;
  /** Signed-in chat connections that send (the rest are guests that read). */
  chatters: number;
  /** Seconds between two messages of one chatter. */
  chatIntervalSeconds: number;
  bidders: number;
  /** Bids each bidder places during the window. */
  bidsPerBidder: number;
  /** The last seconds of the auction in which the bidders bid. */
  bidWindowSeconds: number;
  buyNowRacers: number;
  likes: number;
  /** Length of the show from the first viewer to the last chat message. */
  showSeconds: number;
  /** Publisher picture size and video bitrate. */
  video: { size: string; bitrate: string };
  /** Sign-ups in flight at once. */
  signUpConcurrency: number;
}

export const DEFAULT_SIZES: ShowNightSizes = {
  viewers: 500,
  chatConnections: 300,
  chatters: 50,
  chatIntervalSeconds: 2,
  bidders: 200,
  bidsPerBidder: 2,
  bidWindowSeconds: 10,
  buyNowRacers: 50,
  likes: 300,
  showSeconds: 45,
  video: { size: '854x480', bitrate: '1200k' },
  signUpConcurrency: 16,
};

/** Sizes from SHOW_NIGHT_* environment variables over the defaults. */
export function sizesFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  base: ShowNightSizes = DEFAULT_SIZES,
): ShowNightSizes {
  const n = (name: string, fallback: number) => {
    const v = env[`SHOW_NIGHT_${name}`];
    if (v === undefined || v === '') return fallback;
    const x = Number(v);
    if (!Number.isFinite(x) || x < 0) throw new Error(`SHOW_NIGHT_${name} must be a number >= 0 (got "${v}")`);
    return x;
  };
  return {
    viewers: n('VIEWERS', base.viewers),
    chatConnections: n('CHAT_CONNECTIONS', base.chatConnections),
    chatters: n('CHATTERS', base.chatters),
    chatIntervalSeconds: n('CHAT_INTERVAL_S', base.chatIntervalSeconds),
    bidders: n('BIDDERS', base.bidders),
    bidsPerBidder: n('BIDS_PER_BIDDER', base.bidsPerBidder),
    bidWindowSeconds: n('BID_WINDOW_S', base.bidWindowSeconds),
    buyNowRacers: n('BUY_NOW_RACERS', base.buyNowRacers),
    likes: n('LIKES', base.likes),
    showSeconds: n('SECONDS', base.showSeconds),
    signUpConcurrency: n('SIGNUP_CONCURRENCY', base.signUpConcurrency),
    video: {
      size: env.SHOW_NIGHT_VIDEO_SIZE ?? base.video.size,
      bitrate: env.SHOW_NIGHT_VIDEO_BITRATE ?? base.video.bitrate,
    },
  };
}

export interface Latencies {
  count: number;
  p50: number;
  p99: number;
  max: number;
}

export interface ShowNightResult {
  sizes: ShowNightSizes;
  setup: { platformStartSeconds: number; accounts: number; signUpSeconds: number; liveSeconds: number };
  bids: {
    sent: number;
    accepted: number;
    refused: Record<string, number>;
    unanswered: number;
    unansweredReasons: string[];
    /** Accepted bids missing from Product.bids after the stream consumer settled. */
    missingFromHistory: number;
    /** History entries no accepted answer names (a bid applied but answered as refused, or never sent). */
    unexpectedInHistory: number;
    /** Product's bidCount and currentPrice against what the answers say. */
    bidCountMatches: boolean;
    priceMatches: boolean;
    /** Auction closed by the sweeper into one sale to the highest accepted bidder at its amount. */
    closedToHighest: boolean;
    lost: number;
    answer: Latencies;
    /** This process's event-loop delay while the bids were out, ms (part of every measured answer). */
    generatorLoopDelay: { p50: number; p99: number; max: number };
  };
  buyNow: {
    racers: number;
    sold: number;
    refused: Record<string, number>;
    unanswered: number;
    salesRecorded: number;
    answer: Latencies;
  };
  likes: {
    sent: number;
    /** Tries sent again with the same clientLikeId (lost race or no answer). */
    retried: number;
    accepted: number;
    refused: Record<string, number>;
    unanswered: number;
    counted: number;
    lost: number;
    answer: Latencies;
  };
  chat: {
    connections: number;
    connected: number;
    reconnects: number;
    disconnects: number;
    tokenFailures: number;
    sent: number;
    delivered: number;
    expectedDeliveries: number;
    /** Sends the room refused, by error code (406 review denial, 429 room rate). */
    refused: Record<string, number>;
    /** Sends that got neither a delivery nor an error. */
    unanswered: number;
    /** (message, connected client) pairs with no delivery. */
    lost: number;
    /** Messages delivered without review because the handler missed IVS Chat's 200 ms (room fallback ALLOW). */
    reviewFallbacks: number;
    delivery: Latencies;
  };
  viewers: {
    running: number;
    playlistFetches: number;
    segmentFetches: number;
    segmentErrors: number;
    segmentErrorKinds: Record<string, number>;
    playlistErrors: number;
    megabytes: number;
    segment: Latencies;
    /** viewerCount the platform reported (streamer query), sampled after every viewer had started. */
    reportedMedian: number;
    reportedMin: number;
    reportedMax: number;
  };
  resources: { tree: ResourcePeaks; others: Record<string, { peakCpu: number; peakRss: number }> };
  /** Parts of the show still running when the run stopped waiting for them (60 s after its end). */
  unfinished: string[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rand = (a: number, b: number) => a + Math.random() * (b - a);

export function latencies(xs: number[]): Latencies {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))] ?? NaN;
  return { count: s.length, p50: at(50), p99: at(99), max: s.at(-1) ?? NaN };
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function pool<T, R>(items: readonly T[], limit: number, work: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await work(items[i] as T, i);
      }
    }),
  );
  return out;
}

type GqlAnswer<T> =
  | { kind: 'data'; data: T; ms: number }
  | { kind: 'refused'; errorType: string; message: string; ms: number }
  | { kind: 'unanswered'; reason: string; ms: number };

/** Typed errors a client is told to act on; anything else (INTERNAL, 5xx, no answer) is "unanswered". */
const SERVER_FAULT = /^(INTERNAL|InternalFailure|ServiceUnavailable|Lambda:|DynamoDB:ProvisionedThroughput)/;

/** One GraphQL request as the web app sends it, timed, with a bound on how long it may take. */
async function gql<T>(
  url: string,
  query: string,
  variables: Record<string, unknown>,
  token?: string,
  timeoutMs = 15_000,
): Promise<GqlAnswer<T>> {
  const t0 = performance.now();
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: token } : {}) },
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const ms = performance.now() - t0;
    if (res.status >= 500) return { kind: 'unanswered', reason: `HTTP ${res.status}`, ms };
    const body = (await res.json()) as { data?: T; errors?: { message: string; errorType?: string }[] };
    const error = body.errors?.[0];
    if (error) {
      const type = error.errorType ?? 'Error';
      if (SERVER_FAULT.test(type)) return { kind: 'unanswered', reason: `${type}: ${error.message}`, ms };
      return { kind: 'refused', errorType: type, message: error.message, ms };
    }
    return { kind: 'data', data: body.data as T, ms };
  } catch (error) {
    return {
      kind: 'unanswered',
      reason: (error as Error).name === 'TimeoutError' ? `no answer in ${timeoutMs} ms` : (error as Error).message,
      ms: performance.now() - t0,
    };
  }
}

/** A setup or check request: retried (3 tries of 30 s) when unanswered, since a saturated local mode may lag. */
async function gqlOrThrow<T>(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const a = await gql<T>(url, query, variables, token, 30_000);
    if (a.kind === 'data') return a.data;
    if (a.kind === 'refused' || attempt >= 3)
      throw new Error(a.kind === 'refused' ? `${a.errorType}: ${a.message}` : `${a.reason} (${attempt} tries)`);
  }
}

const count = (m: Record<string, number>, k: string) => {
  m[k] = (m[k] ?? 0) + 1;
};

// ---------------------------------------------------------------- the platform in a child process

/** The local mode in its child process, as the night uses it. */
export interface Child {
  proc: ChildProcess;
  endpoints: Endpoints;
  userPoolId: string;
  userPoolClientId: string;
  dataDir: string;
  logs: string[];
  /** Rejects, with which process ended and why, when the local mode or one of its processes ends mid-run; never resolves. */
  failed: Promise<never>;
  settle(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** A log line of the local mode saying one of its own processes (DynamoDB Local, cognito-local) ended unasked. */
const PROCESS_ENDED = / exited unexpectedly: /;

/**
 * Which process ended and why, in one report: how it ended (a SIGKILL nobody in the bench sent is
 * most often the kernel's OOM killer), what it sent as its fatal error, the end of its stderr and
 * its last log lines.
 */
export function describeChildEnd(e: {
  pid?: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  seconds: number;
  fatal?: string;
  stderr: string;
  logs: string[];
}): string {
  const how = e.signal ? `was killed by ${e.signal}` : `exited with code ${e.code}`;
  const oom =
    e.signal === 'SIGKILL'
      ? ' (the bench sends no SIGKILL mid-run; on Linux this is most often the OOM killer: see `dmesg` or `journalctl -k`)'
      : '';
  return [
    `The local mode (test/bench/show-night/platform-child.ts, pid ${e.pid}) ${how}${oom} ${e.seconds.toFixed(1)} s after it was ready.`,
    e.fatal ? `Its fatal error: ${e.fatal}` : 'It reported no fatal error over IPC.',
    `Its stderr, last lines:\n${e.stderr.trim().split('\n').slice(-20).join('\n') || '(empty)'}`,
    `Its last log lines:\n${e.logs.slice(-15).join('\n') || '(none)'}`,
  ].join('\n');
}

/** Forks the local mode (`script`: platform-child.ts; tests fork stand-ins that die) and waits until it is ready. */
export async function startChild(
  dataDir: string,
  script = join(import.meta.dirname, 'platform-child.ts'),
): Promise<Child> {
  const proc = fork(script, [], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, SHOW_NIGHT_DATA_DIR: dataDir, POWERTOOLS_LOG_LEVEL: 'ERROR' },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let stderr = '';
  const keep = (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-8000);
  };
  proc.stderr?.on('data', keep);
  proc.stdout?.on('data', keep);
  const logs: string[] = [];
  const settledWaiters: (() => void)[] = [];
  let fatal: string | undefined;
  let stopping = false;
  let readyAt = 0;
  let fail: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_, reject) => {
    fail = reject;
  });
  // Raced against the show; a run that never fails must not report an unhandled rejection.
  failed.catch(() => undefined);
  const ready = await new Promise<Extract<ChildMessage, { type: 'ready' }>>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the local mode did not start in 300 s: ${stderr}`)), 300_000);
    proc.on('message', (m: ChildMessage) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        readyAt = performance.now();
        resolve(m);
      } else if (m.type === 'failed') {
        fatal = m.error;
        clearTimeout(timer);
        reject(new Error(`the local mode failed to start: ${m.error}`));
      } else if (m.type === 'log') {
        logs.push(m.line);
        if (readyAt && !stopping && PROCESS_ENDED.test(m.line))
          fail(new Error(`A process of the local mode ended mid-run: ${m.line}`));
      } else if (m.type === 'settled') settledWaiters.shift()?.();
    });
    proc.once('exit', (code, signal) => {
      clearTimeout(timer);
      const report = describeChildEnd({
        pid: proc.pid,
        code,
        signal,
        seconds: readyAt ? (performance.now() - readyAt) / 1000 : 0,
        fatal,
        stderr,
        logs,
      });
      if (!readyAt) reject(new Error(`The local mode ended before it was ready.\n${report}`));
      else if (!stopping) fail(new Error(report));
    });
  });
  const exited = new Promise<void>((r) =>
    proc.exitCode !== null || proc.signalCode !== null ? r() : proc.once('exit', () => r()),
  );
  return {
    proc,
    endpoints: ready.endpoints,
    userPoolId: ready.userPoolId,
    userPoolClientId: ready.userPoolClientId,
    dataDir: ready.dataDir,
    logs,
    failed,
    settle: (timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`the local mode did not settle in ${timeoutMs} ms`)),
          timeoutMs,
        );
        settledWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
        if (proc.connected) proc.send({ type: 'settle' } satisfies ParentMessage);
      }),
    async stop() {
      stopping = true;
      if (proc.connected) proc.send({ type: 'stop' } satisfies ParentMessage);
      const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------- the night

/** Runs one show night with `sizes`; `say` gets progress lines. Always stops what it started. */
export async function runShowNight(
  sizes: ShowNightSizes,
  say: (line: string) => void = () => undefined,
): Promise<ShowNightResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'show-night-'));
  const t0 = performance.now();
  const child = await startChild(dataDir);
  const platformStartSeconds = (performance.now() - t0) / 1000;
  const e = child.endpoints;
  say(`local mode up in ${platformStartSeconds.toFixed(1)} s (pid ${child.proc.pid})`);
  let publisher: Publisher | undefined;
  const rooms: ChatRoom[] = [];
  let sampler: ReturnType<typeof sampleResources> | undefined;
  let viewerProc: ChildProcess | undefined;
  // The night itself; raced against the local mode's end, so a platform that dies mid-run is reported
  // (which process, how, its last words) instead of leaving the parts to time out one by one.
  const night = async (): Promise<ShowNightResult> => {
    // ---- accounts: the streamer, then bidders (the first ones also chat, race for buy-now and like)
    const password = 'Show-Night-Pass-1!';
    // Sign-up as the web app does it; confirmed by the operator (AdminConfirmSignUp, which runs the same
    // post-confirmation trigger) instead of a code from the outbox, so hundreds of accounts take seconds.
    const cognito = async (target: string, body: unknown) => {
      const res = await fetch(e.cognitoUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amz-target': `AWSCognitoIdentityProviderService.${target}`,
        },
        body: JSON.stringify(body),
      });
      if (!res.ok) throw new Error(`${target}: ${res.status} ${await res.text()}`);
    };
    const account = async (handle: string): Promise<LocalSession> => {
      const email = `${handle}@example.com`;
      await cognito('SignUp', {
        ClientId: child.userPoolClientId,
        Username: email,
        Password: password,
        UserAttributes: [
          { Name: 'email', Value: email },
          { Name: 'preferred_username', Value: handle },
        ],
      });
      await cognito('AdminConfirmSignUp', { UserPoolId: child.userPoolId, Username: email });
      return signIn({ cognitoUrl: e.cognitoUrl, clientId: child.userPoolClientId, email, password });
    };
    const streamer = await account('host');
    const channel = await provisionChannel(e.graphqlUrl, streamer.idToken, 'host');
    const accountsNeeded = Math.max(sizes.bidders, sizes.chatters, sizes.buyNowRacers, sizes.likes > 0 ? 1 : 0);
    const s0 = performance.now();
    const accounts: LocalSession[] = await pool(
      Array.from({ length: accountsNeeded }, (_, i) => `fan${i}`),
      sizes.signUpConcurrency,
      (h) => account(h),
    );
    const signUpSeconds = (performance.now() - s0) / 1000;
    say(`${accounts.length} accounts signed up in ${signUpSeconds.toFixed(1)} s`);

    // ---- the streamer goes live
    const { myStreamKey } = await gqlOrThrow<{ myStreamKey: { streamKey: string } }>(
      e.graphqlUrl,
      '{ myStreamKey { streamKey } }',
      {},
      streamer.accessToken,
    );
    const l0 = performance.now();
    publisher = publish(`${e.rtmpUrl}${myStreamKey.streamKey}`, {
      size: sizes.video.size,
      extraArgs: [
        '-g',
        '15',
        '-keyint_min',
        '15',
        '-b:v',
        sizes.video.bitrate,
        '-maxrate',
        sizes.video.bitrate,
        '-bufsize',
        sizes.video.bitrate,
      ],
    });
    const pub = publisher;
    const live = await (async () => {
      for (let i = 0; i < 240; i++) {
        const a = await gql<{
          streamer: { status: string; playbackUrl: string | null; currentStreamId: string | null };
        }>(e.graphqlUrl, '{ streamer(handle: "host") { status playbackUrl currentStreamId } }', {});
        const s = a.kind === 'data' ? a.data.streamer : undefined;
        if (s?.status === 'LIVE' && s.playbackUrl && s.currentStreamId) {
          const playlist = await fetch(s.playbackUrl)
            .then((r) => r.text())
            .catch(() => '');
          if (playlist.includes('.ts')) return { playbackUrl: s.playbackUrl, streamId: s.currentStreamId };
        }
        if (pub.child.exitCode !== null) throw new Error(`the publisher exited: ${pub.stderr()}`);
        await sleep(250);
      }
      throw new Error('the stream did not go live in 60 s');
    })();
    const liveSeconds = (performance.now() - l0) / 1000;
    say(`live in ${liveSeconds.toFixed(1)} s: ${live.playbackUrl}`);

    // ---- products: one auction whose last seconds the bidders take, one buy-now item
    const create = async (input: Record<string, unknown>) =>
      (
        await gqlOrThrow<{ createProduct: { productId: string } }>(
          e.graphqlUrl,
          'mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }',
          { i: { channelId: channel.userId, currency: 'USD', type: 'GENERIC', ...input } },
          streamer.accessToken,
        )
      ).createProduct.productId;
    const auctionId = await create({
      title: 'Show-night auction',
      saleMode: 'AUCTION',
      startingBid: 1000,
      bidIncrement: 50,
      durationSeconds: 30,
    });
    const buyNowId = await create({ title: 'Show-night buy now', saleMode: 'BUY_NOW', buyNowPrice: 1800 });

    // ---- chat connections (tokens as the web app gets them: createChatToken, signed in or as a guest)
    const chatStats = { connected: 0, reconnects: 0, disconnects: 0, tokenFailures: 0 };
    const deliveryMs: number[] = [];
    const received: Set<string>[] = [];
    const connectedSince: number[] = [];
    const disconnectedAt: (number | undefined)[] = [];
    const tokenFor = (session?: LocalSession) => async () => {
      const a = await gql<{
        createChatToken: { token: string; sessionExpirationTime: string; tokenExpirationTime: string };
      }>(
        e.graphqlUrl,
        `mutation { createChatToken(channelId: "${channel.userId}") { token sessionExpirationTime tokenExpirationTime } }`,
        {},
        session?.accessToken,
        30_000,
      );
      if (a.kind !== 'data') {
        chatStats.tokenFailures++;
        throw new Error(a.kind === 'refused' ? a.message : a.reason);
      }
      const t = a.data.createChatToken;
      return {
        token: t.token,
        sessionExpirationTime: new Date(t.sessionExpirationTime),
        tokenExpirationTime: new Date(t.tokenExpirationTime),
      };
    };
    const c0 = performance.now();
    await pool(
      Array.from({ length: sizes.chatConnections }, (_, i) => i),
      32,
      async (i) => {
        const room = new ChatRoom({
          regionOrUrl: e.chatUrl,
          tokenProvider: tokenFor(i < sizes.chatters ? accounts[i] : undefined),
          maxReconnectAttempts: 3,
        });
        room.logger = { debug: () => undefined, info: () => undefined, error: () => undefined };
        const seen = new Set<string>();
        received[i] = seen;
        room.addListener('message', (m) => {
          const sentAt = Number(/ @(\d+)$/.exec(m.content)?.[1]);
          if (!seen.has(m.id)) deliveryMs.push(Date.now() - sentAt);
          seen.add(m.id);
        });
        room.addListener('connecting', () => {
          if (connectedSince[i] !== undefined) chatStats.reconnects++;
        });
        room.addListener('disconnect', () => {
          chatStats.disconnects++;
          disconnectedAt[i] ??= Date.now();
        });
        const connected = new Promise<boolean>((resolve) => {
          room.addListener('connect', () => {
            connectedSince[i] ??= Date.now();
            resolve(true);
          });
          setTimeout(() => resolve(false), 30_000);
        });
        room.connect();
        rooms[i] = room;
        if (await connected) chatStats.connected++;
      },
    );
    say(
      `${chatStats.connected}/${sizes.chatConnections} chat connections in ${((performance.now() - c0) / 1000).toFixed(1)} s`,
    );

    // ---- the show
    const showStart = Date.now();
    const showEnd = showStart + sizes.showSeconds * 1000;
    // Viewers in a process of their own (viewers.ts: their HLS traffic in this event loop delayed every
    // answer the bench times); they arrive over the first 5 s, as an audience does when a show starts.
    const viewerStats: ViewerStats = {
      playlistFetches: 0,
      segmentFetches: 0,
      segmentErrors: 0,
      errorKinds: {},
      playlistErrors: 0,
      bytes: 0,
      segmentMs: [],
    };
    viewerProc = fork(join(import.meta.dirname, 'viewers-child.ts'), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    const viewersProc = viewerProc;
    const viewersDone = new Promise<void>((resolve) => {
      viewersProc.on('message', (m: ViewersMessage) => {
        if (m.type === 'done') Object.assign(viewerStats, m.stats);
        resolve();
      });
      viewersProc.once('exit', () => resolve());
    });
    viewersProc.send({
      type: 'start',
      share: {
        playbackUrl: live.playbackUrl,
        from: 0,
        count: sizes.viewers,
        total: sizes.viewers,
        until: showEnd,
        arriveOverMs: 5000,
      },
    } satisfies ViewersMessage);
    sampler = sampleResources(child.proc.pid!, 500, {
      'load generator (this process)': () => process.pid,
      'HLS viewers (load generator)': () => viewersProc.pid,
      "publisher ffmpeg (the streamer's OBS)": () => pub.child.pid,
    });
    say(`show starts: ${sizes.viewers} viewers, ${sizes.chatters} chatters, auction ends in 30 s`);

    // Viewer count as the platform reports it (the health poller's GetStream → profile), once every viewer is in.
    const reported: number[] = [];
    const countsDone = (async () => {
      await sleep(Math.min(15_000, sizes.showSeconds * 500));
      while (Date.now() < showEnd - 1000) {
        const a = await gql<{ streamer: { viewerCount: number | null } }>(
          e.graphqlUrl,
          '{ streamer(handle: "host") { viewerCount } }',
          {},
        );
        if (a.kind === 'data' && a.data.streamer.viewerCount !== null) reported.push(a.data.streamer.viewerCount);
        await sleep(1000);
      }
    })();

    // Chatters: one message every chatIntervalSeconds each, spread over the interval.
    const chatSends: { id: string; at: number; accepted: boolean; answered?: boolean }[] = [];
    const chatRefused: Record<string, number> = {};
    const chatDone = Promise.all(
      Array.from({ length: Math.min(sizes.chatters, sizes.chatConnections) }, async (_, i) => {
        const room = rooms[i];
        if (!room) return;
        await sleep(rand(0, sizes.chatIntervalSeconds * 1000));
        for (let n = 0; Date.now() < showEnd - 2000; n++) {
          const next = Date.now() + sizes.chatIntervalSeconds * 1000;
          const at = Date.now();
          const send: { id: string; at: number; accepted: boolean; answered?: boolean } = {
            id: '',
            at,
            accepted: false,
          };
          chatSends.push(send);
          try {
            const msg = await Promise.race([
              room.sendMessage(new SendMessageRequest(`fan${i} message ${n} @${at}`)),
              sleep(10_000).then(() => {
                throw Object.assign(new Error('no answer'), { unanswered: true });
              }),
            ]);
            send.id = msg.id;
            send.accepted = true;
            send.answered = true;
          } catch (error) {
            send.answered = !(error as { unanswered?: boolean }).unanswered;
            if (send.answered)
              count(chatRefused, String((error as { errorCode?: number }).errorCode ?? (error as Error).message));
          }
          await sleep(Math.max(0, next - Date.now()));
        }
      }),
    );

    // Likes from signed-in fans, spread over the show.
    const likeMs: number[] = [];
    const likeRefused: Record<string, number> = {};
    let likesAccepted = 0;
    let likesUnanswered = 0;
    let likesRetried = 0;
    const likesDone = pool(
      Array.from({ length: sizes.likes }, (_, i) => i),
      32,
      async (i) => {
        await sleep(
          Math.max(0, showStart + (i / Math.max(1, sizes.likes)) * (sizes.showSeconds - 5) * 1000 - Date.now()),
        );
        // As the like button does: one id per tap, the same id again while the answer is a lost race or missing.
        const clientLikeId = `show-night-like-${i}`;
        let a: GqlAnswer<unknown>;
        let ms = 0;
        for (let attempt = 1; ; attempt++) {
          a = await gql(
            e.graphqlUrl,
            'mutation($c: ID!, $id: ID) { likeStream(channelId: $c, clientLikeId: $id) { likes } }',
            { c: channel.userId, id: clientLikeId },
            accounts[i % accounts.length]!.accessToken,
          );
          ms += a.ms;
          const retry = a.kind === 'unanswered' || (a.kind === 'refused' && a.errorType === 'CONFLICT');
          if (!retry || attempt >= 5) break;
          likesRetried++;
          await sleep(100 * attempt);
        }
        likeMs.push(ms);
        if (a.kind === 'data') likesAccepted++;
        else if (a.kind === 'refused') count(likeRefused, a.errorType);
        else likesUnanswered++;
      },
    );

    // The auction: started now, 30 s long; bidders bid in its last bidWindowSeconds.
    const started = await gqlOrThrow<{ startAuction: { endsAt: string } }>(
      e.graphqlUrl,
      'mutation($p: ID!) { startAuction(productId: $p) { endsAt } }',
      { p: auctionId },
      streamer.accessToken,
    );
    const endsAt = Date.parse(started.startAuction.endsAt);
    const bidMs: number[] = [];
    const acceptedBids = new Map<string, { amount: number; bidderId: string }>();
    const bidRefused: Record<string, number> = {};
    const bidUnanswered: string[] = [];
    const bidsInFlight = new Set<string>();
    let shownMinNext = 1000;
    const bidsDone = Promise.all(
      Array.from({ length: sizes.bidders }, async (_, b) => {
        const me = accounts[b]!;
        const times = Array.from({ length: sizes.bidsPerBidder }, () =>
          rand(endsAt - sizes.bidWindowSeconds * 1000, endsAt - 200),
        ).sort((x, y) => x - y);
        for (const [k, at] of times.entries()) {
          await sleep(Math.max(0, at - Date.now()));
          // What the page shows as the next minimum (pushed by onBidPlaced), plus a little more from some bidders.
          const amount = shownMinNext + 50 * Math.floor(rand(0, 3));
          const bidId = `show-night-${b}-${k}`;
          bidsInFlight.add(bidId);
          const a = await gql<{ placeBid: { amount: number; minNextBid: number; bidId: string } }>(
            e.graphqlUrl,
            'mutation($i: PlaceBidInput!) { placeBid(input: $i) { bidId amount minNextBid } }',
            { i: { productId: auctionId, amount, bidId } },
            me.accessToken,
          );
          bidMs.push(a.ms);
          bidsInFlight.delete(bidId);
          if (a.kind === 'data') {
            acceptedBids.set(a.data.placeBid.bidId, { amount: a.data.placeBid.amount, bidderId: me.sub });
            shownMinNext = Math.max(shownMinNext, a.data.placeBid.minNextBid);
          } else if (a.kind === 'refused') count(bidRefused, a.errorType);
          else bidUnanswered.push(`${bidId}: ${a.reason}`);
        }
      }),
    );

    // How late this process's event loop ran while the bids were out: the part of a measured bid answer
    // that is the load generator's own delay, not the platform's.
    const loopDelay = monitorEventLoopDelay({ resolution: 10 });
    void sleep(Math.max(0, endsAt - sizes.bidWindowSeconds * 1000 - Date.now())).then(() => loopDelay.enable());
    void bidsDone.then(() => loopDelay.disable());

    // The buy-now race: every racer taps Buy now at the same moment, once the auction has ended.
    const buyMs: number[] = [];
    const buyRefused: Record<string, number> = {};
    let buyUnanswered = 0;
    let sold = 0;
    const buyDone = (async () => {
      await sleep(Math.max(0, endsAt + 1000 - Date.now()));
      await Promise.all(
        accounts.slice(0, sizes.buyNowRacers).map(async (who) => {
          const a = await gql(
            e.graphqlUrl,
            'mutation($p: ID!) { buyNow(productId: $p) { saleId price } }',
            { p: buyNowId },
            who.accessToken,
          );
          buyMs.push(a.ms);
          if (a.kind === 'data') sold++;
          else if (a.kind === 'refused') count(buyRefused, a.errorType);
          else buyUnanswered++;
        }),
      );
    })();

    // Every part is bounded by its own timeouts; this bound is the last word, so a stuck part is
    // reported (its requests in flight count as unanswered) instead of hanging the run.
    const parts = {
      viewers: viewersDone,
      'viewer counts': countsDone,
      chat: chatDone,
      likes: likesDone,
      bids: bidsDone,
      'buy now': buyDone,
    };
    const pending = new Set(Object.keys(parts));
    for (const [name, p] of Object.entries(parts))
      void p.then(() => {
        pending.delete(name);
        say(`${name} done`);
      });
    await Promise.race([Promise.all(Object.values(parts)), sleep(Math.max(0, showEnd - Date.now()) + 60_000)]);
    if (pending.size) say(`still running 60 s after the show: ${[...pending].join(', ')}`);
    const unfinished = [...pending];
    // Deliveries still in flight get a moment, then every connection is checked.
    await sleep(3000);
    const resources = sampler.stop();
    sampler = undefined;
    say('show over; checking what arrived');

    // ---- chat: every accepted message at every client connected before it was sent and still connected at the end
    let expectedDeliveries = 0;
    let delivered = 0;
    for (const s of chatSends.filter((x) => x.accepted)) {
      for (let c = 0; c < sizes.chatConnections; c++) {
        if (connectedSince[c] === undefined || connectedSince[c]! > s.at || disconnectedAt[c] !== undefined) continue;
        expectedDeliveries++;
        if (received[c]?.has(s.id)) delivered++;
      }
    }
    const reviewFallbacks = child.logs.filter((l) => l.includes('chat review handler failed')).length;

    // ---- bids: the auction must close (sweeper) and the history must hold every accepted bid
    await sleep(Math.max(0, endsAt + 5000 - Date.now()));
    type ProductView = {
      status: string;
      bidCount: number;
      currentPrice: number | null;
      highBidderId: string | null;
      saleId: string | null;
      bids: { items: { bidId: string }[]; nextToken: string | null };
    };
    const readHistory = async (): Promise<Set<string>> => {
      const ids = new Set<string>();
      let nextToken: string | null = null;
      do {
        const page: { product: { bids: { items: { bidId: string }[]; nextToken: string | null } } } = await gqlOrThrow(
          e.graphqlUrl,
          'query($p: ID!, $n: String) { product(productId: $p) { bids(limit: 100, nextToken: $n) { items { bidId } nextToken } } }',
          { p: auctionId, n: nextToken },
        );
        for (const b of page.product.bids.items) ids.add(b.bidId);
        nextToken = page.product.bids.nextToken;
      } while (nextToken);
      return ids;
    };
    // The history is written by the table-stream consumer and the close by the sweeper: both run
    // behind the show. Waits for them (2 minutes at most), then reports what is there.
    let product: ProductView | undefined;
    let history = new Set<string>();
    const settleBy = Date.now() + 120_000;
    for (;;) {
      await child.settle(20_000).catch(() => say('the table-stream consumers are still catching up'));
      product = (
        await gqlOrThrow<{ product: ProductView }>(
          e.graphqlUrl,
          'query($p: ID!) { product(productId: $p) { status bidCount currentPrice highBidderId saleId bids(limit: 1) { items { bidId } nextToken } } }',
          { p: auctionId },
        )
      ).product;
      history = await readHistory();
      if (
        (product.status !== 'AUCTION_OPEN' && [...acceptedBids.keys()].every((id) => history.has(id))) ||
        Date.now() > settleBy
      )
        break;
      await sleep(2000);
    }
    for (const id of bidsInFlight) bidUnanswered.push(`${id}: still unanswered when the run stopped waiting`);
    const missingFromHistory = [...acceptedBids.keys()].filter((id) => !history.has(id)).length;
    const unexpectedInHistory = [...history].filter((id) => !acceptedBids.has(id)).length;
    const highest = [...acceptedBids.values()].reduce<{ amount: number; bidderId: string } | undefined>(
      (m, b) => (!m || b.amount > m.amount ? b : m),
      undefined,
    );
    const sales = (
      await gqlOrThrow<{
        salesOfStream: { items: { productId: string; price: number; buyerId: string; kind: string }[] };
      }>(
        e.graphqlUrl,
        'query($s: ID!) { salesOfStream(streamId: $s, limit: 100) { items { productId price buyerId kind } } }',
        { s: live.streamId },
      )
    ).salesOfStream.items;
    const auctionSales = sales.filter((s) => s.productId === auctionId);
    const closedToHighest = highest
      ? product?.status === 'SOLD' &&
        auctionSales.length === 1 &&
        auctionSales[0]!.price === highest.amount &&
        auctionSales[0]!.buyerId === highest.bidderId
      : product?.status !== 'AUCTION_OPEN' && auctionSales.length === 0;

    const likes =
      (await gqlOrThrow<{ streamer: { likes: number | null } }>(e.graphqlUrl, '{ streamer(handle: "host") { likes } }'))
        .streamer.likes ?? 0;
    const sortedReported = [...reported].sort((a, b) => a - b);
    const chatSent = chatSends.length;
    const chatUnanswered = chatSends.filter((x) => !x.answered).length;

    return {
      sizes,
      setup: { platformStartSeconds, accounts: accounts.length + 1, signUpSeconds, liveSeconds },
      bids: {
        sent: bidMs.length + bidsInFlight.size,
        accepted: acceptedBids.size,
        refused: bidRefused,
        unanswered: bidUnanswered.length,
        unansweredReasons: bidUnanswered.slice(0, 5),
        missingFromHistory,
        unexpectedInHistory,
        bidCountMatches: product?.bidCount === acceptedBids.size,
        priceMatches: (product?.currentPrice ?? null) === (highest?.amount ?? null),
        closedToHighest,
        lost: bidUnanswered.length + missingFromHistory,
        answer: latencies(bidMs),
        generatorLoopDelay: {
          p50: loopDelay.count ? loopDelay.percentile(50) / 1e6 : NaN,
          p99: loopDelay.count ? loopDelay.percentile(99) / 1e6 : NaN,
          max: loopDelay.count ? loopDelay.max / 1e6 : NaN,
        },
      },
      buyNow: {
        racers: Math.min(sizes.buyNowRacers, accounts.length),
        sold,
        refused: buyRefused,
        unanswered: buyUnanswered,
        salesRecorded: sales.filter((s) => s.productId === buyNowId).length,
        answer: latencies(buyMs),
      },
      likes: {
        sent: likeMs.length,
        retried: likesRetried,
        accepted: likesAccepted,
        refused: likeRefused,
        unanswered: likesUnanswered,
        counted: likes,
        lost: Math.max(0, likesAccepted - likes),
        answer: latencies(likeMs),
      },
      chat: {
        connections: sizes.chatConnections,
        ...chatStats,
        sent: chatSent,
        delivered,
        expectedDeliveries,
        refused: chatRefused,
        unanswered: chatUnanswered,
        lost: expectedDeliveries - delivered + chatUnanswered,
        reviewFallbacks,
        delivery: latencies(deliveryMs),
      },
      viewers: {
        running: sizes.viewers,
        playlistFetches: viewerStats.playlistFetches,
        segmentFetches: viewerStats.segmentFetches,
        segmentErrors: viewerStats.segmentErrors,
        segmentErrorKinds: viewerStats.errorKinds,
        playlistErrors: viewerStats.playlistErrors,
        megabytes: viewerStats.bytes / 1e6,
        segment: latencies(viewerStats.segmentMs),
        reportedMedian: sortedReported[Math.floor(sortedReported.length / 2)] ?? NaN,
        reportedMin: sortedReported[0] ?? NaN,
        reportedMax: sortedReported.at(-1) ?? NaN,
      },
      resources,
      unfinished,
    };
  };
  try {
    const running = night();
    // When the platform's end wins the race, the night's own later failures are already explained.
    running.catch(() => undefined);
    return await Promise.race([running, child.failed]);
  } finally {
    sampler?.stop();
    viewerProc?.kill();
    for (const r of rooms) r?.disconnect();
    await publisher?.stop();
    await child.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
