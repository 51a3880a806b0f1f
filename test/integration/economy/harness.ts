/**
 * The economy's integration harness: DynamoDB Local, the local APPSYNC_JS engine with the stage's economy variables, and the local GraphQL
 * server in front of it, so every call goes through HTTP with AppSync's auth rules. Test users
 * carry signed-in identities as token claims (the server's verify hook stands in for Cognito's
 * signature check and passes `cognito:groups` on, as it does with real local Cognito tokens).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { handleRecords } from '../../../lambdas/gift-fanout/handler';
import {
  DEFAULT_ECONOMY_SETTINGS,
  DEFAULT_GIFT_CATALOG,
  economyEnvironment,
  type Economy,
} from '../../../lambdas/shared/domain/economy';
import { createEngine, type Engine } from '../../../local/appsync/engine';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../../local/dynamodb/server';
import { startLocalGraphql, type LocalGraphql } from '../../../local/graphql/server';
import { runAs } from '../../../local/iam/caller';
import { tableStream } from '../../support/table-stream';
import { useDynamoDbLocal, type DynamoDbLocalContext } from '../../support/dynamo';
import { assertConservation } from './conservation';

/** The economy the tests run with: the defaults (50 % / 90 %, 1 coin = 1 cent, $10 minimum). */
export const ECONOMY: Economy = { ...DEFAULT_ECONOMY_SETTINGS, gifts: DEFAULT_GIFT_CATALOG };

/** A signed-in test user. */
export interface User {
  sub: string;
  handle: string;
  groups?: string[];
}

// GraphQL answers are checked by value; their static shape adds nothing here.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Loose = any;
export interface Result {
  data?: Record<string, Loose> | null;
  errors?: { message: string; errorType?: string | null; errorInfo?: Loose }[];
}

export interface EconomyApi {
  db: DynamoDbLocalContext;
  engine: Engine;
  server: LocalGraphql;
  /** One GraphQL request over HTTP as `who` (null: a signed-out guest). */
  gql(who: User | null, query: string, variables?: Record<string, unknown>): Promise<Result>;
  /** Runs gift-fanout (as its role) over every table-stream record written since the last call. */
  fanOut(): Promise<void>;
}

/** A token the harness's verify hook accepts: the claims, base64url. */
const tokenOf = (u: User): string =>
  `test.${Buffer.from(
    JSON.stringify({
      sub: u.sub,
      iss: 'test',
      token_use: 'id',
      aud: 'test',
      'cognito:username': u.sub,
      handle: u.handle,
      ...(u.groups ? { 'cognito:groups': u.groups } : {}),
    }),
  ).toString('base64url')}`;

/**
 * Sets the harness up for the calling test file. `conserve` (default true): every test ends with
 * the conservation check.
 */
export function useEconomyApi(
  opts: { conserve?: boolean; invokeLambda?: (functionName: string, payload: unknown) => Promise<unknown> } = {},
): EconomyApi {
  // The fan-out's table grants are checked per function by test/unit/infra/function-permissions.test.ts;
  // the IAM-enforcing proxy would add a stack synth (minutes on a loaded 2-core runner) to every file.
  const db = useDynamoDbLocal();
  const api = { db } as EconomyApi;
  const stream = tableStream(db);
  let lambdaDoc: DynamoDBDocumentClient | undefined;
  beforeAll(async () => {
    api.engine = createEngine({
      dynamo: db.client,
      tables: { Main: db.tableName, Idempotency: db.idempotencyTableName },
      env: economyEnvironment(ECONOMY),
      invokeLambda:
        opts.invokeLambda ??
        (async () => {
          throw new Error('no Lambda data source in the economy');
        }),
    });
    api.server = await startLocalGraphql({
      engine: api.engine,
      port: 0,
      verify: async (jwt) => {
        const [, body] = jwt.split('.');
        return JSON.parse(Buffer.from(body ?? '', 'base64url').toString('utf8')) as Record<string, unknown> & {
          sub: string;
          iss: string;
        };
      },
    });
    Object.assign(process.env, {
      TABLE_NAME: db.tableName,
      GRAPHQL_URL: api.server.url,
      AWS_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    });
    lambdaDoc = DynamoDBDocumentClient.from(
      new DynamoDBClient({ endpoint: db.lambdaEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }),
      {
        marshallOptions: { removeUndefinedValues: true },
      },
    );
  });
  afterAll(async () => {
    lambdaDoc?.destroy();
    await api.server?.stop();
  });
  if (opts.conserve !== false) {
    afterEach(async () => {
      await assertConservation(db.doc, db.tableName, ECONOMY.coinValueMinor);
    });
  }
  api.gql = async (who, query, variables = {}) => {
    const res = await fetch(api.server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(who ? { authorization: tokenOf(who) } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as Result;
  };
  api.fanOut = async () => {
    await stream.drain(async (records) => {
      const out = await runAs('gift-fanout', () =>
        handleRecords(lambdaDoc as DynamoDBDocumentClient, db.tableName, records),
      );
      if (out.batchItemFailures.length) throw new Error(`gift-fanout failed ${out.batchItemFailures.length} records`);
    });
  };
  return api;
}

/** Retried answers by errorType and message (what the concurrency tests report). */
export const retried = new Map<string, number>();

/**
 * Resends a retryable answer (CONFLICT, or Unavailable: errorInfo.retryable) as the web app does,
 * with the same client id, until a final answer.
 */
export async function untilFinal(run: () => Promise<Result>): Promise<Result> {
  for (let i = 0; i < 100; i++) {
    const r = await run();
    const e = r.errors?.[0];
    if (!e || (e.errorType !== 'CONFLICT' && e.errorInfo?.retryable !== true)) return r;
    const key = `${String(e.errorType)}: ${e.message}`;
    retried.set(key, (retried.get(key) ?? 0) + 1);
    await new Promise((res) => setTimeout(res, Math.random() * 25));
  }
  throw new Error('still retryable after 100 tries');
}

export const GIFT_FIELDS =
  'id channelId streamId kind giftId giftName animation count coins message senderId senderHandle sentAt big';
export const SEND_GIFT = `mutation($i: SendGiftInput!) { sendGift(input: $i) { gift { ${GIFT_FIELDS} } wallet { coins debt } } }`;
export const SEND_TIP = `mutation($i: SendTipInput!) { sendTip(input: $i) { gift { ${GIFT_FIELDS} } wallet { coins debt } } }`;
export const EARNINGS =
  'query { myEarnings { userId tier sharePercent availableAmount reservedAmount paidAmount currency minimumPayoutAmount lifetimeCoins } }';
export const PAYOUT_FIELDS =
  'payoutId userId handle amount currency status requestedAt decidedAt reason history { status at byUserId reason }';
export const REQUEST_PAYOUT = `mutation($c: ID!) { requestPayout(clientRequestId: $c) { ${PAYOUT_FIELDS} } }`;
export const DECIDE_PAYOUT = `mutation($p: ID!, $d: PayoutDecision!, $r: String) { decidePayout(payoutId: $p, decision: $d, reason: $r) { ${PAYOUT_FIELDS} } }`;
export const SET_TIER =
  'mutation($u: ID!, $t: BroadcasterTier!) { setBroadcasterTier(userId: $u, tier: $t) { userId tier sharePercent } }';
export const SET_TIER_BY_HANDLE =
  'mutation($h: String!, $t: BroadcasterTier!) { setBroadcasterTierByHandle(handle: $h, tier: $t) { userId tier sharePercent } }';
