import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AppSyncPublishError, publish } from '../../../../lambdas/shared/appsync-publish';

interface Seen {
  headers: IncomingMessage['headers'];
  body: string;
  url: string;
}

describe('publish (SigV4-signed AppSync mutation)', () => {
  let server: Server;
  let seen: Seen[] = [];
  let answer: { status: number; body: unknown } = { status: 200, body: { data: { ok: true } } };

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = 'AKIDEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    process.env.AWS_REGION = 'us-east-1';
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => {
        body += c.toString();
      });
      req.on('end', () => {
        seen.push({ headers: req.headers, body, url: req.url ?? '' });
        res.writeHead(answer.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    process.env.GRAPHQL_URL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });
  beforeEach(() => {
    seen = [];
    answer = { status: 200, body: { data: { publishStreamStatus: { userId: 'u1' } } } };
  });

  it('posts the mutation and variables with a SigV4 Authorization header for appsync', async () => {
    const data = await publish('mutation M($userId: ID!) { publishStreamStatus(userId: $userId) { userId } }', {
      userId: 'u1',
    });

    expect(data).toEqual({ publishStreamStatus: { userId: 'u1' } });
    expect(seen).toHaveLength(1);
    const req = seen[0]!;
    expect(req.url).toBe('/graphql');
    expect(JSON.parse(req.body)).toEqual({
      query: 'mutation M($userId: ID!) { publishStreamStatus(userId: $userId) { userId } }',
      variables: { userId: 'u1' },
    });
    expect(req.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/appsync\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(req.headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(req.headers['x-amz-content-sha256'] ?? 'absent').toBeDefined();
  });

  it('throws a typed error carrying the GraphQL errors', async () => {
    answer = {
      status: 200,
      body: {
        data: null,
        errors: [
          { message: 'Not Authorized to access publishStreamStatus on type Mutation', errorType: 'Unauthorized' },
        ],
      },
    };

    const error = await publish('mutation { x }', {}).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(AppSyncPublishError);
    expect((error as AppSyncPublishError).errors[0]?.errorType).toBe('Unauthorized');
    expect((error as AppSyncPublishError).message).toContain('Unauthorized');
  });

  it('throws on a non-2xx answer without a GraphQL body', async () => {
    answer = { status: 403, body: { message: 'forbidden' } };

    await expect(publish('mutation { x }', {})).rejects.toMatchObject({ name: 'AppSyncPublishError', status: 403 });
  });
});
