import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseRuntimeConfig } from '../../../frontend/src/lib/config';
import { onConfigProblem } from '../../../frontend/src/lib/config-status';

const valid = {
  stage: 'dev',
  region: 'eu-west-1',
  graphqlUrl: 'https://abc.appsync-api.eu-west-1.amazonaws.com/graphql',
  userPoolId: 'eu-west-1_abc',
  userPoolClientId: 'client',
  identityPoolId: 'eu-west-1:id',
  guestAuthMode: 'iam',
  chatMessagingEndpoint: 'wss://edge.ivschat.eu-west-1.amazonaws.com',
  replayBaseUrl: 'https://d111.cloudfront.net',
  player: { lowLatency: true },
};
const answer =
  (status: number, body: string): typeof fetch =>
  async () =>
    new Response(body, { status });

describe('runtime config problems are sentences, not crashes', () => {
  it('accepts a valid config', () => {
    expect(parseRuntimeConfig(200, JSON.stringify(valid))).toMatchObject({ region: 'eu-west-1', guestAuthMode: 'iam' });
    // The DVR window: 10 minutes when an older deployment's config does not say, else the stage's.
    expect(parseRuntimeConfig(200, JSON.stringify(valid)).player.dvrWindowMinutes).toBe(10);
    expect(
      parseRuntimeConfig(200, JSON.stringify({ ...valid, player: { lowLatency: true, dvrWindowMinutes: 30 } })).player
        .dvrWindowMinutes,
    ).toBe(30);
    expect(() => parseRuntimeConfig(200, JSON.stringify({ ...valid, player: { dvrWindowMinutes: -1 } }))).toThrow(
      /player\.dvrWindowMinutes/,
    );
  });

  it('names the HTTP status when the file cannot be loaded (e.g. 403 from a CDN)', () => {
    expect(() => parseRuntimeConfig(403, '<Error>AccessDenied</Error>')).toThrow(ConfigError);
    expect(() => parseRuntimeConfig(403, '')).toThrow(
      'This site could not load its configuration (/runtime-config.json answered HTTP 403). The deployment may be incomplete',
    );
  });

  it('says the file is not JSON when a page is served in its place', () => {
    expect(() => parseRuntimeConfig(200, '<!doctype html><title>Bidstream</title>')).toThrow(
      "This site's configuration (/runtime-config.json) is not valid JSON.",
    );
  });

  it('names the field that is missing or malformed', () => {
    expect(() => parseRuntimeConfig(200, JSON.stringify({ ...valid, graphqlUrl: 'not a url' }))).toThrow(
      'is invalid: graphqlUrl is missing or malformed.',
    );
    const { userPoolId: _omit, ...noPool } = valid;
    expect(() => parseRuntimeConfig(200, JSON.stringify(noPool))).toThrow(
      'is invalid: userPoolId is missing or malformed.',
    );
  });

  it('loadConfig rejects with the sentence and reports it to the page banner, for HTTP and network failures', async () => {
    const seen: (string | undefined)[] = [];
    const stop = onConfigProblem((p) => seen.push(p));

    await expect(loadConfig(answer(403, 'denied'))).rejects.toThrow(/answered HTTP 403/);
    await expect(
      loadConfig(async () => {
        throw new TypeError('Failed to fetch');
      }),
    ).rejects.toThrow(
      'This site could not reach its configuration (/runtime-config.json). Check your connection and reload the page.',
    );
    stop();

    expect(seen).toHaveLength(2);
    expect(seen[0]).toMatch(/answered HTTP 403/);
    expect(seen[1]).toMatch(/could not reach/);
    // A banner that mounts after the failure still gets the current problem.
    const late: (string | undefined)[] = [];
    onConfigProblem((p) => late.push(p))();
    expect(late).toEqual([seen[1]]);
  });
});
