/**
 * Reports and auto-suspension on the local mode (startLocalPlatform, an ffmpeg stream through the
 * local IVS): five reports of a live stream from one viewer do not stop it; five from distinct
 * viewers within the window stop it within 5 s (StopStream, key deleted: the RTMP ingest refuses
 * it), the streamer is told why, the admins' topic gets the alert, the channel leaves browse and
 * cannot add products; an admin lifts it and the streamer goes live again with a new key.
 * Then the authorization matrix of every safety field (read from the schema's `# safety` blocks, so
 * a new field without a row fails) for guest, viewer, owner, admin and the suspended streamer.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_PATH } from '../../../lib/api/resolver-files';
import { addAdmin } from '../../../local/auth/admins';
import { provisionChannel, signIn, type LocalSession } from '../../../local/client';
import { snsMessages } from '../../../local/sns/index';
import type { LocalPlatform } from '../../../local/start';
import { publish, type Publisher } from '../local/ivs/helpers';
import {
  account,
  PASSWORD,
  rawGql,
  removeDataDir,
  startPlatform,
  until,
  SETUP_TIMEOUT_MS,
  type RawAnswer,
} from '../faults/support';

let platform: LocalPlatform;
let dataDir: string;
let sam: LocalSession; // the streamer who gets reported
let sue: LocalSession; // another streamer: the "owner" of the matrix's report target
let admin: LocalSession;
const viewers: LocalSession[] = [];
const publishers: Publisher[] = [];

const url = () => platform.endpoints.graphqlUrl;
const as = <T = Record<string, unknown>>(
  who: LocalSession | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<RawAnswer<T>> => rawGql<T>(url(), query, variables, who?.idToken);
const ok = async <T = Record<string, unknown>>(
  who: LocalSession | null,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<T> => {
  const a = await as<T>(who, query, variables);
  if (a.errors?.length) throw new Error(`${a.errors[0]?.errorType}: ${a.errors[0]?.message}`);
  return a.data as T;
};

const REPORT = 'mutation($i: ReportInput!) { reportContent(input: $i) { targetId reportedAt } }';
const STATE = 'query($h: String!) { streamer(handle: $h) { status currentStreamId } }';
const KEY = '{ myStreamKey { streamKey } }';
const reportStream = (who: LocalSession) =>
  as(who, REPORT, { i: { kind: 'STREAM', channelId: sam.sub, reason: 'VIOLENCE', details: null } });
const samState = async () =>
  (await ok<{ streamer: { status: string; currentStreamId: string | null } }>(null, STATE, { h: 'sam' })).streamer;

/** Publishes to sam's channel with `key` and waits until the channel is live. */
async function goLive(key: string): Promise<Publisher> {
  const p = publish(`${platform.endpoints.rtmpUrl}${key}`);
  publishers.push(p);
  await until('sam to go live', async () => (await samState()).status === 'LIVE', 60_000, 250);
  return p;
}

beforeAll(async () => {
  ({ platform, dataDir } = await startPlatform(undefined, { scheduleEveryMs: 60_000 }));
  sam = await account(platform, 'sam@example.com', 'sam');
  sue = await account(platform, 'sue@example.com', 'sue');
  await account(platform, 'ada@example.com', 'ada');
  await addAdmin({ cognitoUrl: platform.endpoints.cognitoUrl, userPoolId: platform.userPoolId }, 'ada@example.com');
  admin = await signIn({
    cognitoUrl: platform.endpoints.cognitoUrl,
    clientId: platform.userPoolClientId,
    email: 'ada@example.com',
    password: PASSWORD,
  });
  for (let i = 1; i <= 6; i++) viewers.push(await account(platform, `v${i}@example.com`, `viewer${i}`));
  await provisionChannel(url(), sam.idToken, 'sam');
  await provisionChannel(url(), sue.idToken, 'sue');
}, SETUP_TIMEOUT_MS);

afterAll(async () => {
  for (const p of publishers) p.child.kill('SIGKILL');
  await Promise.all(publishers.map((p) => p.exited));
  await platform?.stop();
  removeDataDir(dataDir);
});

describe('auto-suspension of a reported live stream', () => {
  let oldKey: string;
  let firstStream: Publisher;

  it('does not stop the stream for five reports from one viewer', async () => {
    oldKey = (await ok<{ myStreamKey: { streamKey: string } }>(sam, KEY)).myStreamKey.streamKey;
    firstStream = await goLive(oldKey);
    const answers = [];
    for (let i = 0; i < 5; i++)
      answers.push((await reportStream(viewers[0] as LocalSession)).errors?.[0]?.errorType ?? 'OK');
    expect(answers).toEqual(['OK', 'ALREADY_REPORTED', 'ALREADY_REPORTED', 'ALREADY_REPORTED', 'ALREADY_REPORTED']);
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await samState()).status).toBe('LIVE');
    expect((await ok<{ mySuspension: unknown }>(sam, '{ mySuspension { reason } }')).mySuspension).toBeNull();
  }, 120_000);

  it('stops it within 5 s of the fifth distinct reporter, and keeps it stopped', async () => {
    for (const v of viewers.slice(1, 4)) expect((await reportStream(v)).errors).toBeUndefined();
    expect((await samState()).status).toBe('LIVE');
    const t0 = Date.now();
    let encoderGoneMs = -1;
    void firstStream.exited.then(() => {
      encoderGoneMs = Date.now() - t0;
    });
    expect((await reportStream(viewers[4] as LocalSession)).errors).toBeUndefined();
    const answeredMs = Date.now() - t0;
    await until('the stream to stop', async () => (await samState()).status === 'OFFLINE', 5_000, 100);
    const stoppedMs = Date.now() - t0;
    // The encoder's connection is dropped, and its key no longer gets in.
    await until('the encoder to be disconnected', async () => encoderGoneMs >= 0, 5_000, 50);
    console.info(
      `auto-suspension: report answered in ${answeredMs} ms, encoder disconnected at ${encoderGoneMs} ms, channel offline at ${stoppedMs} ms`,
    );
    expect(stoppedMs).toBeLessThanOrEqual(5_000);
    const retry = publish(`${platform.endpoints.rtmpUrl}${oldKey}`);
    publishers.push(retry);
    expect(
      await Promise.race([retry.exited, new Promise((r) => setTimeout(() => r('still connected'), 8_000))]),
    ).not.toBe('still connected');
    expect((await samState()).status).toBe('OFFLINE');
  }, 60_000);

  it('tells the streamer why, alerts the admins, blocks key, products and browse', async () => {
    const mine = (
      await ok<{ mySuspension: { reason: string; source: string; until: string | null; banned: boolean } }>(
        sam,
        '{ mySuspension { reason source until banned } }',
      )
    ).mySuspension;
    expect(mine).toMatchObject({ source: 'AUTO', until: null, banned: false });
    expect(mine.reason).toContain('5 viewers reported your stream within 10 minutes');
    const key = await as(sam, KEY);
    expect(key.errors?.[0]?.errorType).toBe('SUSPENDED');
    expect((await as(sam, 'mutation { rotateStreamKey(force: true) { streamKey } }')).errors?.[0]?.errorType).toBe(
      'SUSPENDED',
    );
    const product = await as(sam, 'mutation($i: CreateProductInput!) { createProduct(input: $i) { productId } }', {
      i: { channelId: sam.sub, title: 'Mug', type: 'GENERIC', saleMode: 'BUY_NOW', currency: 'USD', buyNowPrice: 1500 },
    });
    expect(product.errors?.[0]?.errorType).toBe('SUSPENDED');
    const live = await ok<{ liveStreams: { items: { handle: string }[] } }>(
      null,
      '{ liveStreams { items { handle } } }',
    );
    expect(live.liveStreams.items.map((s) => s.handle)).not.toContain('sam');

    const inbox = await ok<{ notifications: { items: { kind: string; title: string; body: string }[] } }>(
      sam,
      '{ notifications { items { kind title body } } }',
    );
    const notice = inbox.notifications.items.find((n) => n.kind === 'SAFETY');
    expect(notice?.title).toBe('Your channel is suspended');
    expect(notice?.body).toContain('reported your stream');
    // Reporters are never named to the reported.
    for (let i = 1; i <= viewers.length; i++) expect(JSON.stringify(inbox)).not.toContain(`viewer${i}`);
    expect(
      (await as(sam, 'query($t: ID!) { reportsOf(targetId: $t) { items { reporterHandle } } }', { t: 'x' })).errors?.[0]
        ?.errorType,
    ).toBe('FORBIDDEN');

    await platform.settled();
    const alerts = snsMessages(join(dataDir, 'outbox'), 'safety-alerts');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]?.message).toContain('@sam was suspended automatically');

    const queue = await ok<{
      reportQueue: { items: { kind: string; targetHandle: string; reportCount: number; status: string }[] };
    }>(admin, '{ reportQueue { items { kind targetHandle reportCount status } } }');
    expect(queue.reportQueue.items).toContainEqual({
      kind: 'STREAM',
      targetHandle: 'sam',
      reportCount: 5,
      status: 'OPEN',
    });
    const suspensions = await ok<{ suspensions: { items: { handle: string; source: string }[] } }>(
      admin,
      '{ suspensions { items { handle source } } }',
    );
    expect(suspensions.suspensions.items).toContainEqual({ handle: 'sam', source: 'AUTO' });
  }, 60_000);

  it('answers each safety field as the authorization matrix says (guest, viewer, owner, admin, suspended streamer)', async () => {
    const schema = readFileSync(SCHEMA_PATH, 'utf8');
    const block = (name: string) =>
      schema.slice(schema.indexOf(`# safety (${name})`), schema.indexOf(`# end safety (${name})`));
    const fieldsOf = (text: string) =>
      [...text.matchAll(/^ {2}([a-zA-Z]+)\(|^ {2}([a-zA-Z]+):/gm)].map((m) => m[1] ?? m[2]);
    const schemaFields = [...fieldsOf(block('queries')), ...fieldsOf(block('mutations'))].sort();

    // Sue's profile is the report target: she is its owner.
    const sueTarget = `USER#${sue.sub}`;
    type Row = [string, Record<string, unknown>, Record<'guest' | 'viewer' | 'owner' | 'admin' | 'suspended', string>];
    const staff = { guest: 'Unauthorized', viewer: 'FORBIDDEN', owner: 'FORBIDDEN', suspended: 'FORBIDDEN' } as const;
    const matrix: Record<string, Row> = {
      mySuspension: [
        '{ mySuspension { reason } }',
        {},
        { guest: 'Unauthorized', viewer: 'OK', owner: 'OK', admin: 'OK', suspended: 'OK' },
      ],
      reportQueue: ['{ reportQueue { items { targetId } } }', {}, { ...staff, admin: 'OK' }],
      reportsOf: [
        'query($t: ID!) { reportsOf(targetId: $t) { items { reason } } }',
        { t: sueTarget },
        { ...staff, admin: 'OK' },
      ],
      suspensions: ['{ suspensions { items { userId } } }', {}, { ...staff, admin: 'OK' }],
      adminLog: ['{ adminLog { items { action } } }', {}, { ...staff, admin: 'OK' }],
      reportContent: [
        REPORT,
        { i: { kind: 'USER', userId: sue.sub, reason: 'OTHER', details: 'spam links in bio' } },
        { guest: 'Unauthorized', viewer: 'OK', owner: 'FORBIDDEN', admin: 'OK', suspended: 'OK' },
      ],
      resolveReport: [
        'mutation($i: ResolveReportInput!) { resolveReport(input: $i) { status } }',
        { i: { targetId: sueTarget, action: 'DISMISS', reason: 'Not a violation.' } },
        { ...staff, admin: 'OK' },
      ],
      // Nobody by this id is suspended: the admin passes authorization and is told so.
      liftSuspension: [
        'mutation($u: ID!, $r: String!) { liftSuspension(userId: $u, reason: $r) { userId } }',
        { u: 'u-not-suspended', r: 'Reviewed.' },
        { ...staff, admin: 'NOT_FOUND' },
      ],
    };
    expect(Object.keys(matrix).sort()).toEqual(schemaFields);

    const who = { guest: null, viewer: viewers[5] as LocalSession, owner: sue, admin, suspended: sam } as const;
    const answers: Record<string, Record<string, string>> = {};
    const expected: Record<string, Record<string, string>> = {};
    for (const [field, [query, vars, want]] of Object.entries(matrix)) {
      answers[field] = {};
      expected[field] = want;
      for (const role of ['guest', 'viewer', 'owner', 'suspended', 'admin'] as const) {
        answers[field][role] = (await as(who[role], query, vars)).errors?.[0]?.errorType ?? 'OK';
      }
    }
    expect(answers).toEqual(expected);
    // Only the suspended streamer has a suspension to read.
    expect((await ok<{ mySuspension: unknown }>(sue, '{ mySuspension { reason } }')).mySuspension).toBeNull();
    expect((await ok<{ mySuspension: unknown }>(sam, '{ mySuspension { reason } }')).mySuspension).not.toBeNull();
  }, 120_000);

  it('an admin lifts it: audited, and the streamer goes live again with a new key', async () => {
    const noReason = await as(
      admin,
      'mutation($u: ID!, $r: String!) { liftSuspension(userId: $u, reason: $r) { userId } }',
      { u: sam.sub, r: ' ' },
    );
    expect(noReason.errors?.[0]?.errorType).toBe('VALIDATION');
    const lifted = await ok<{ liftSuspension: { userId: string; liftedAt: string | null } }>(
      admin,
      'mutation($u: ID!, $r: String!) { liftSuspension(userId: $u, reason: $r) { userId liftedAt } }',
      { u: sam.sub, r: 'Reviewed the recording: no violation.' },
    );
    expect(lifted.liftSuspension.userId).toBe(sam.sub);
    expect(lifted.liftSuspension.liftedAt).toBeTruthy();

    const log = await ok<{
      adminLog: { items: { action: string; actorHandle: string | null; actorId: string; reason: string | null }[] };
    }>(admin, '{ adminLog { items { action actorId actorHandle reason } } }');
    expect(log.adminLog.items[0]).toMatchObject({
      action: 'LIFT_SUSPENSION',
      actorHandle: 'ada',
      reason: 'Reviewed the recording: no violation.',
    });
    expect(log.adminLog.items.some((a) => a.action === 'SUSPEND' && a.actorId === 'SYSTEM')).toBe(true);

    const newKey = (await ok<{ myStreamKey: { streamKey: string } }>(sam, KEY)).myStreamKey.streamKey;
    expect(newKey).not.toBe(oldKey);
    expect((await ok<{ mySuspension: unknown }>(sam, '{ mySuspension { reason } }')).mySuspension).toBeNull();
    await goLive(newKey);
    expect((await samState()).status).toBe('LIVE');
  }, 120_000);
});
