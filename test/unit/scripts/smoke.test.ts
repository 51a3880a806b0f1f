/**
 * The smoke test's decisions against a scripted deployment (fetch answered by the test, IVS and
 * IVS Chat by a stub server): which calls are signed, the sign-up fallback when the client may not
 * write the handle, the operator-permission sentence, provisioning polls, the CORS check on the
 * replay playlist, and clean-up after a failure.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainError, formatStep, runSmoke } from '../../../scripts/smoke/smoke';

const WEB = 'https://main.d1.amplifyapp.com';
const COGNITO = 'https://cognito-idp.eu-west-1.amazonaws.com/';
const GRAPHQL = 'https://abc.appsync-api.eu-west-1.amazonaws.com/graphql';
const REPLAYS = 'https://d2.cloudfront.net';
const CONFIG = {
  stage: 'prod',
  region: 'eu-west-1',
  graphqlUrl: GRAPHQL,
  userPoolId: 'eu-west-1_pool',
  userPoolClientId: 'client1',
  identityPoolId: 'eu-west-1:idp',
  guestAuthMode: 'iam',
  chatMessagingEndpoint: 'wss://edge.ivschat.eu-west-1.amazonaws.com',
  replayBaseUrl: REPLAYS,
  player: { lowLatency: true },
};
const CREDENTIALS = { accessKeyId: 'AKIDSMOKE', secretAccessKey: 'secret' };
const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

interface Call {
  target?: string;
  authorization?: string;
  body: Record<string, unknown>;
}

/** A deployment answering through `fetch`: Cognito's JSON protocol, the GraphQL API, the replay CDN. */
function deployment(opts: {
  confirm?: 'ok' | 'denied';
  refuseHandleAttribute?: boolean;
  playlistCors?: string | null;
  chatDenied?: boolean;
}) {
  const cognito: Call[] = [];
  let readyPolls = 0;
  const fetchImpl = (async (input: string | URL | Request, init?: RequestInit) => {
    const url = String(input);
    const headers = new Headers(init?.headers);
    if (url === `${WEB}/runtime-config.json`) return json(CONFIG);
    if (url === COGNITO) {
      const target = headers.get('x-amz-target')?.split('.').pop();
      const body = JSON.parse(String(init?.body)) as Record<string, unknown>;
      cognito.push({ target, authorization: headers.get('authorization') ?? undefined, body });
      if (target === 'SignUp') {
        const attrs = body.UserAttributes as { Name: string }[];
        if (opts.refuseHandleAttribute && attrs.some((a) => a.Name === 'preferred_username')) {
          return json(
            { __type: 'NotAuthorizedException', message: 'A client attempted to write unauthorized attribute' },
            400,
          );
        }
        return json({ UserSub: 'u-1', UserConfirmed: false });
      }
      if (target === 'AdminConfirmSignUp' && opts.confirm === 'denied') {
        return json(
          {
            __type: 'com.amazonaws.cognito#AccessDeniedException',
            Message: 'User is not authorized to perform: cognito-idp:AdminConfirmSignUp',
          },
          400,
        );
      }
      if (target === 'InitiateAuth') {
        return json({
          AuthenticationResult: {
            AccessToken: `h.${Buffer.from(JSON.stringify({ sub: 'u-1' })).toString('base64url')}.s`,
          },
        });
      }
      return json({});
    }
    if (url === GRAPHQL) {
      const { query } = JSON.parse(String(init?.body)) as { query: string };
      if (query.includes('provisionMe')) return json({ data: { provisionMe: { __typename: 'ProvisioningStatus' } } });
      if (query.includes('query Ready')) {
        readyPolls += 1;
        return json({
          data:
            readyPolls < 3
              ? { me: null, myStreamKey: null }
              : {
                  me: { userId: 'u-1' },
                  myStreamKey: { ingestServer: 'rtmps://x.global-contribute.live-video.net:443/app/' },
                },
        });
      }
      if (query.includes('createChatToken')) {
        return opts.chatDenied
          ? json({
              data: null,
              errors: [
                { errorType: 'AccessDeniedException', message: 'not authorized to perform: ivschat:CreateChatToken' },
              ],
            })
          : json({ data: { createChatToken: { token: 'tok', role: 'STREAMER', capabilities: ['SEND_MESSAGE'] } } });
      }
      if (query.includes('recentReplays'))
        return json({
          data: { recentReplays: { items: [{ recordingId: 'rec_1', state: 'AVAILABLE', handle: 'ann' }] } },
        });
      if (query.includes('replay('))
        return json({
          data: {
            replay: {
              status: 'READY',
              playbackUrl: `${REPLAYS}/ivs/v1/1/c/2026/media/hls/master.m3u8`,
              readyInSeconds: null,
            },
          },
        });
    }
    if (url.startsWith(REPLAYS)) {
      expect(headers.get('origin')).toBe(WEB);
      return new Response('#EXTM3U\n', {
        status: 200,
        headers: opts.playlistCors ? { 'access-control-allow-origin': opts.playlistCors } : {},
      });
    }
    return new Response('not found', { status: 404 });
  }) as typeof fetch;
  return { fetchImpl, cognito, polls: () => readyPolls };
}

let ivsStub: Server;
let ivsUrl: string;
beforeAll(async () => {
  // IVS and IVS Chat control planes for the clean-up: no channel or room carries the owner tag.
  ivsStub = createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(req.url?.startsWith('/ListRooms') ? { rooms: [] } : { channels: [] }));
  });
  await new Promise<void>((r) => ivsStub.listen(0, '127.0.0.1', () => r()));
  ivsUrl = `http://127.0.0.1:${(ivsStub.address() as { port: number }).port}`;
});
afterAll(() => new Promise((r) => ivsStub.close(r)));

describe('runSmoke', () => {
  it('signs only the admin calls, says which permission is missing, skips what depends on it and still deletes the user', async () => {
    const d = deployment({ confirm: 'denied', refuseHandleAttribute: true });

    const report = await runSmoke({
      webUrl: `${WEB}/`,
      credentials: CREDENTIALS,
      fetch: d.fetchImpl,
      email: 'ops+smoke@example.org',
    });

    expect(report.ok).toBe(false);
    expect(report.steps.map((s) => `${s.name}: ${s.status}`)).toEqual([
      'runtime config: ok',
      'sign up: ok',
      'confirm sign-up: failed',
      'sign in: skipped',
      'provision: skipped',
      'chat token: skipped',
      'replay playlist: skipped',
      'clean up: ok',
    ]);
    expect(report.steps[2]?.detail).toBe(
      'AdminConfirmSignUp failed: AccessDeniedException: User is not authorized to perform: cognito-idp:AdminConfirmSignUp. ' +
        'The smoke test confirms its user with your AWS credentials: they need cognito-idp:AdminConfirmSignUp and AdminDeleteUser on the user pool eu-west-1_pool.',
    );
    expect(report.steps[3]?.detail).toBe('not run: the confirm sign-up step failed.');
    expect(report.steps[6]?.detail).toBe('not run: the sign in step did not run.');
    expect(report.steps[7]?.detail).toBe(
      'deleted the user; the profile and handle ' +
        /handle (smoke_[0-9a-f]{8})/.exec(report.steps[1]?.detail ?? '')?.[1] +
        ' stay in the table',
    );

    expect(d.cognito.map((c) => c.target)).toEqual(['SignUp', 'SignUp', 'AdminConfirmSignUp', 'AdminDeleteUser']);
    // The handle is refused as an attribute, so the second sign-up sends the email alone.
    expect(d.cognito[1]?.body.UserAttributes).toEqual([{ Name: 'email', Value: 'ops+smoke@example.org' }]);
    expect(d.cognito[0]?.authorization).toBeUndefined();
    for (const admin of d.cognito.slice(2)) {
      expect(admin.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDSMOKE\/\d{8}\/eu-west-1\/cognito-idp\/aws4_request, SignedHeaders=[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/,
      );
      expect(admin.body).toEqual({ UserPoolId: 'eu-west-1_pool', Username: 'ops+smoke@example.org' });
    }
  });

  it("polls until the channel is ready and fails the replay step when CloudFront does not allow the site's origin", async () => {
    const d = deployment({ confirm: 'ok', playlistCors: 'http://localhost:4321' });

    const report = await runSmoke({
      webUrl: WEB,
      credentials: CREDENTIALS,
      fetch: d.fetchImpl,
      pollEveryMs: 1,
      endpoints: { ivs: ivsUrl, ivschat: ivsUrl },
    });

    expect(report.steps.map((s) => s.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'failed', 'ok']);
    expect(d.polls()).toBe(3);
    expect(report.steps[4]?.detail).toBe(
      'channel ready (3 polls), ingest rtmps://x.global-contribute.live-video.net:443/app/',
    );
    expect(report.steps[6]?.detail).toBe(
      `The replay playlist answers Access-Control-Allow-Origin "http://localhost:4321" to the web app's origin ${WEB}: ` +
        "browsers on the site cannot play replays. Add the site to the stage config's webOrigins.",
    );
    expect(report.steps[7]?.detail).toMatch(/^deleted the user, 0 IVS channels, 0 chat rooms; /);
    expect(report.ok).toBe(false);
  });

  it('still checks the replay after the chat token failed (it needs only a signed-in user), and passes it with CORS *', async () => {
    const d = deployment({ confirm: 'ok', playlistCors: '*', chatDenied: true });
    const report = await runSmoke({
      webUrl: WEB,
      credentials: CREDENTIALS,
      fetch: d.fetchImpl,
      pollEveryMs: 1,
      endpoints: { ivs: ivsUrl, ivschat: ivsUrl },
    });
    expect(report.steps.map((s) => s.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'failed', 'ok', 'ok']);
    expect(report.steps[5]?.detail).toBe('AccessDeniedException: not authorized to perform: ivschat:CreateChatToken');
    expect(report.steps[6]?.detail).toBe('rec_1 by ann: d2.cloudfront.net, HTTP 200, 8 bytes, CORS *');
    expect(report.ok).toBe(false);
  });
});

describe('report lines', () => {
  it('marks each status and rounds the time', () => {
    expect(formatStep({ name: 'sign in', status: 'ok', ms: 412.4, detail: 'tokens' })).toBe(
      '✓ sign in (412 ms): tokens',
    );
    expect(formatStep({ name: 'provision', status: 'failed', ms: 120_340, detail: 'late' })).toBe(
      '✗ provision (120.3 s): late',
    );
    expect(formatStep({ name: 'chat token', status: 'skipped', ms: 0, detail: 'not run' })).toBe(
      '– chat token: not run',
    );
  });

  it('names the network error behind fetch failed', () => {
    const refused = Object.assign(new TypeError('fetch failed'), {
      cause: { code: 'ECONNREFUSED', message: 'connect ECONNREFUSED 127.0.0.1:1' },
    });
    expect(explainError(refused)).toBe('connection refused');
    expect(explainError(Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } }))).toBe(
      'no such host',
    );
    expect(explainError(Object.assign(new Error('The operation timed out'), { name: 'TimeoutError' }))).toBe(
      'no answer in time',
    );
    expect(explainError(new Error('plain'))).toBe('plain');
  });
});
