/**
 * The per-IP rate of the local GraphQL server (the stack's WAF rule, same stage setting): a burst
 * over the limit from one address gets HTTP 429 with a GraphQL error the web app can show, while
 * another address (127.0.0.2: Linux routes all of 127/8 to loopback) is served as usual.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RATE_LIMITED_ERROR_TYPE, RATE_LIMITED_MESSAGE } from '../../../lambdas/shared/domain/safety';
import { createEngine } from '../../../local/appsync/engine';
import { startLocalGraphql, type LocalGraphql } from '../../../local/graphql/server';
import { useDynamoDbLocal } from '../../support/dynamo';

const db = useDynamoDbLocal();
const LIMIT = 10;
let server: LocalGraphql;

/** One guest query from `localAddress`: status and parsed body. */
function post(
  localAddress: string,
): Promise<{ status: number; body: { data?: unknown; errors?: { errorType?: string; message?: string }[] } }> {
  const target = new URL(server.url);
  const payload = JSON.stringify({ query: '{ liveStreams { items { handle } } }' });
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        localAddress,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as never }));
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

beforeAll(async () => {
  const engine = createEngine({
    dynamo: db.client,
    tables: { Main: db.tableName, Idempotency: db.idempotencyTableName },
    env: {},
    invokeLambda: async () => {
      throw new Error('no Lambda data source here');
    },
  });
  server = await startLocalGraphql({
    engine,
    port: 0,
    rateLimit: { requestsPerWindow: LIMIT, windowSeconds: 60 },
    verify: async () => {
      throw new Error('guests only');
    },
  });
});

afterAll(async () => {
  await server?.stop();
});

describe('per-IP rate limit', () => {
  it('answers a burst over the limit with 429 and a GraphQL error; another address is unaffected', async () => {
    const burst = await Promise.all(Array.from({ length: LIMIT + 5 }, () => post('127.0.0.1')));
    const statuses = burst.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(LIMIT);
    expect(statuses.filter((s) => s === 429)).toHaveLength(5);
    const refused = burst.find((r) => r.status === 429);
    expect(refused?.body).toEqual({
      data: null,
      errors: [{ errorType: RATE_LIMITED_ERROR_TYPE, message: RATE_LIMITED_MESSAGE }],
    });
    expect(burst.find((r) => r.status === 200)?.body).toEqual({ data: { liveStreams: { items: [] } } });

    for (let i = 0; i < 5; i++) {
      const other = await post('127.0.0.2');
      expect(other.status).toBe(200);
      expect(other.body.data).toEqual({ liveStreams: { items: [] } });
    }
    // The first address stays refused for the rest of its window.
    expect((await post('127.0.0.1')).status).toBe(429);
  });
});
