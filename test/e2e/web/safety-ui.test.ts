// Fixture-mode UI checks for reports and the admins' safety queue on a laptop (1366×768) and a phone
// (390×844): a viewer reports the live stream from the watch page (reason required, the dialog is
// the confirmation, a sentence after sending or when already reported), a chat message from the
// chat, a guest is asked to sign in; the admin page lists reported targets with counts, the message
// or thumbnail, the reports, and suspends for a period and lifts a suspension with a reason. The
// production build in headless Chromium, the API answered from fixtures.
import { rmSync } from 'node:fs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeChat } from './fake-chat';
import { startFakeRealtime } from './fake-realtime';
import { fixtureApi } from './fixtures';
import { ensureBuild, fakeJwt, launchChromium, makeFixtureHls, serveDist, shot, signedInStorage } from './support';

const CLIENT_ID = 'fixture-client';
const BOB = { sub: 'u-bob', handle: 'bob', email: 'bob@example.com' };
const ADA = { sub: 'u-ada', handle: 'ada', email: 'ada@example.com' };
const LAPTOP = { width: 1366, height: 768 };
const PHONE = { width: 390, height: 844 };
let browser: Browser;
let site: Awaited<ReturnType<typeof serveDist>>;
let hls: string;
let api: ReturnType<typeof fixtureApi>;
let chat: Awaited<ReturnType<typeof startFakeChat>>;
let rt: Awaited<ReturnType<typeof startFakeRealtime>>;
let overrides: Record<string, (v: Record<string, unknown>) => unknown> = {};
let calls: { op: string; variables: Record<string, unknown> }[] = [];

const iso = (ms: number) => new Date(Date.now() + ms).toISOString();
const target = (o: Record<string, unknown>) => ({
  channelId: null,
  streamId: null,
  messageId: null,
  messageContent: null,
  thumbnailUrl: null,
  status: 'OPEN',
  decidedBy: null,
  decisionReason: null,
  firstReportedAt: iso(-600_000),
  lastReportedAt: iso(-60_000),
  ...o,
});
const QUEUE = [
  target({
    targetId: 'STREAM#u-alice#st-1',
    kind: 'STREAM',
    channelId: 'u-alice',
    streamId: 'st-1',
    targetUserId: 'u-alice',
    targetHandle: 'alice',
    reportCount: 4,
    lastReason: 'VIOLENCE',
  }),
  target({
    targetId: 'MESSAGE#u-alice#m-9',
    kind: 'MESSAGE',
    channelId: 'u-alice',
    messageId: 'm-9',
    targetUserId: 'u-troll',
    targetHandle: 'troll42',
    messageContent: 'click my link for free cards',
    reportCount: 2,
    lastReason: 'SPAM',
  }),
];
const SUSPENSION = {
  userId: 'u-ben',
  handle: 'ben_kicks',
  reason: '5 viewers reported your stream within 10 minutes.',
  source: 'AUTO',
  banned: false,
  since: iso(-120_000),
  until: null,
  byUserId: 'SYSTEM',
  liftedAt: null,
};

function safetyAnswer(op: string, v: Record<string, unknown>): unknown {
  switch (op) {
    case 'Report':
      return { reportContent: { targetId: 'x', reportedAt: iso(0) } };
    case 'ReportQueue':
      return { reportQueue: { items: QUEUE, nextToken: null } };
    case 'ReportsOf':
      return {
        reportsOf: {
          items: [
            {
              reporterId: 'u-carl',
              reporterHandle: 'carl',
              reason: 'VIOLENCE',
              details: 'threatening chat',
              reportedAt: iso(-60_000),
            },
          ],
          nextToken: null,
        },
      };
    case 'Suspensions':
      return { suspensions: { items: [SUSPENSION], nextToken: null } };
    case 'AdminLog':
      return {
        adminLog: {
          items: [
            {
              entryId: 'a1',
              action: 'SUSPEND',
              actorId: 'SYSTEM',
              actorHandle: null,
              targetUserId: 'u-ben',
              targetId: 'STREAM#u-ben#st-7',
              reason: SUSPENSION.reason,
              at: iso(-120_000),
            },
          ],
          nextToken: null,
        },
      };
    case 'ResolveReport':
      return {
        resolveReport: {
          ...QUEUE[0],
          status: 'SUSPENDED',
          decidedBy: 'u-ada',
          decisionReason: (v['input'] as { reason: string }).reason,
        },
      };
    case 'LiftSuspension':
      return { liftSuspension: { ...SUSPENSION, liftedAt: iso(0) } };
    case 'PayoutQueue':
      return { payoutQueue: { items: [], nextToken: null } };
    default:
      return undefined;
  }
}

async function contextFor(
  user: typeof BOB | null,
  viewport: { width: number; height: number },
  opts: { mobile?: boolean; admin?: boolean } = {},
): Promise<BrowserContext> {
  const ctx = await browser.newContext({
    viewport,
    ...(opts.mobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 2 } : {}),
  });
  if (user) {
    const storage = signedInStorage(CLIENT_ID, user);
    if (opts.admin) {
      storage[`CognitoIdentityServiceProvider.${CLIENT_ID}.${user.sub}.idToken`] = fakeJwt({
        sub: user.sub,
        handle: user.handle,
        preferred_username: user.handle,
        email: user.email,
        token_use: 'id',
        'cognito:username': user.sub,
        'cognito:groups': ['admins'],
      });
    }
    await ctx.addInitScript((entries: Record<string, string>) => {
      for (const [k, v] of Object.entries(entries)) localStorage.setItem(k, v);
    }, storage);
  }
  await ctx.route(`${site.origin}/graphql`, async (route) => {
    const body = route.request().postDataJSON() as { query: string; variables?: Record<string, unknown> };
    const op = api.opName(body.query);
    calls.push({ op, variables: body.variables ?? {} });
    const own = overrides[op];
    if (own) return route.fulfill({ contentType: 'application/json', body: JSON.stringify(own(body.variables ?? {})) });
    const data = safetyAnswer(op, body.variables ?? {}) ?? api.answer(op, body.variables ?? {});
    await route.fulfill({ contentType: 'application/json', body: JSON.stringify({ data }) });
  });
  return ctx;
}

async function openWatch(ctx: BrowserContext): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(`${site.origin}/u/alice`);
  await page.locator('[data-product-id=p1]').waitFor();
  return page;
}

beforeAll(async () => {
  ensureBuild();
  hls = makeFixtureHls(30);
  chat = await startFakeChat();
  rt = await startFakeRealtime();
  site = await serveDist(
    (origin) => ({
      stage: 'fixture',
      region: 'us-east-1',
      graphqlUrl: `${origin}/graphql`,
      realtimeUrl: rt.url,
      userPoolId: 'us-east-1_fixture',
      userPoolClientId: CLIENT_ID,
      userPoolEndpoint: `${origin}/cognito`,
      identityPoolId: '',
      guestAuthMode: 'none',
      chatMessagingEndpoint: chat.url,
      replayBaseUrl: origin,
      player: { lowLatency: true },
    }),
    { '/hls/': hls },
  );
  api = fixtureApi(site.origin);
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await site?.close();
  await chat?.close();
  await rt?.close();
  if (hls) rmSync(hls, { recursive: true, force: true });
});

beforeEach(() => {
  overrides = {};
  calls = [];
});

describe('reporting', () => {
  for (const [name, viewport, mobile] of [
    ['laptop', LAPTOP, false],
    ['phone', PHONE, true],
  ] as const) {
    it(`${name}: reports the live stream after picking a reason; a second report the same day gets a sentence`, async () => {
      const ctx = await contextFor(BOB, viewport, { mobile });
      const page = await openWatch(ctx);
      await page.getByTestId('report-stream').click();
      const dialog = page.getByTestId('report-dialog').filter({ hasText: "Report @alice's live stream" });
      await dialog.waitFor();
      await dialog.getByRole('button', { name: 'Send report' }).click();
      expect(await dialog.getByRole('alert').innerText()).toBe('Pick what is wrong.');
      expect(calls.some((c) => c.op === 'Report')).toBe(false);
      await dialog.getByLabel('Violence or threats').check();
      await dialog.getByRole('button', { name: 'Send report' }).click();
      await expect.poll(() => dialog.getByTestId('report-sent').innerText()).toContain('never told who reported them');
      expect(calls.find((c) => c.op === 'Report')?.variables).toEqual({
        input: {
          kind: 'STREAM',
          channelId: 'u-alice',
          userId: 'u-alice',
          messageId: null,
          reason: 'VIOLENCE',
          details: null,
        },
      });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await page.screenshot({ path: shot(`safety-report-${viewport.width}x${viewport.height}`) });
      await dialog.getByRole('button', { name: 'Close' }).click();

      overrides = {
        Report: () => ({
          data: null,
          errors: [
            {
              errorType: 'ALREADY_REPORTED',
              message: 'You already reported this today. Thank you: our team is looking at it.',
            },
          ],
        }),
      };
      await page.getByTestId('report-stream').click();
      await dialog.getByLabel('Spam').check();
      await dialog.getByRole('button', { name: 'Send report' }).click();
      await expect
        .poll(() => dialog.getByTestId('report-sent').innerText())
        .toBe('You already reported this today. Thank you: our team is looking at it.');
      await ctx.close();
    });
  }

  it('laptop: reports a chat message with free text, naming the message', async () => {
    const ctx = await contextFor(BOB, LAPTOP);
    const page = await openWatch(ctx);
    await expect.poll(() => page.getByTestId('chat-status').innerText(), { timeout: 20_000 }).toBe('● Connected');
    chat.say('troll42', 'click my link for free cards');
    const line = page.getByTestId('chat-lines').locator('li', { hasText: 'click my link for free cards' });
    await line.waitFor({ timeout: 20_000 });
    const messageId = await line.getAttribute('data-message-id');
    await line.getByTestId('report-message').click();
    const dialog = page.getByTestId('report-dialog').filter({ hasText: 'Report a chat message from @troll42' });
    await dialog.getByLabel('Something else').check();
    await dialog.getByRole('button', { name: 'Send report' }).click();
    expect(await dialog.getByRole('alert').innerText()).toBe('Tell us what is wrong in a few words.');
    await dialog.getByRole('textbox').fill('Phishing link');
    await dialog.getByRole('button', { name: 'Send report' }).click();
    await dialog.getByTestId('report-sent').waitFor();
    expect(calls.find((c) => c.op === 'Report')?.variables).toEqual({
      input: {
        kind: 'MESSAGE',
        channelId: 'u-alice',
        userId: null,
        messageId,
        reason: 'OTHER',
        details: 'Phishing link',
      },
    });
    await ctx.close();
  });
});

describe('reporting as a guest', () => {
  it('phone: a guest who presses Report is asked to sign in and comes back to the stream; nothing is sent', async () => {
    const ctx = await contextFor(null, PHONE, { mobile: true });
    // Guests reach the API unsigned, as in the local mode (the fixture site's own config lets no guest call it).
    await ctx.route(`${site.origin}/runtime-config.json`, async (route) => {
      const res = await route.fetch();
      await route.fulfill({ response: res, json: { ...((await res.json()) as object), guestAuthMode: 'unsigned' } });
    });
    const page = await openWatch(ctx);
    await page.getByTestId('report-stream').click();
    const dialog = page.getByTestId('report-dialog').filter({ hasText: "Report @alice's live stream" });
    await dialog.waitFor();
    expect(await dialog.innerText()).toContain('Reports come from signed-in viewers');
    expect(await dialog.getByRole('radio').count()).toBe(0);
    const signIn = dialog.getByRole('link', { name: 'Sign in to report' });
    expect(await signIn.getAttribute('href')).toBe(`/signin/?next=${encodeURIComponent('/u/alice')}`);
    await page.screenshot({ path: shot('safety-report-guest-390x844') });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await page.getByTestId('report-stream').click();
    await signIn.click();
    await page.waitForURL(/\/signin\/\?next=%2Fu%2Falice$/);
    expect(calls.some((c) => c.op === 'Report')).toBe(false);
    await ctx.close();
  });
});

describe('admin safety queue', () => {
  for (const [name, viewport, mobile] of [
    ['laptop', LAPTOP, false],
    ['phone', PHONE, true],
  ] as const) {
    it(`${name}: targets with counts, message and reports; suspend for a period and lift, each with a reason`, async () => {
      const ctx = await contextFor(ADA, viewport, { mobile, admin: true });
      const page = await ctx.newPage();
      await page.goto(`${site.origin}/admin/`);
      const rows = page.getByTestId('report-row');
      await rows.first().waitFor();
      expect(await rows.count()).toBe(2);
      expect(await rows.nth(0).innerText()).toContain('Live stream of @alice · 4 reports');
      expect(await rows.nth(1).innerText()).toContain('click my link for free cards');
      await rows.nth(0).getByRole('button', { name: 'Details' }).click();
      await expect.poll(() => rows.nth(0).innerText()).toContain('threatening chat');

      await rows.nth(0).getByRole('button', { name: 'Suspend…' }).click();
      const decision = page.getByTestId('decision-dialog');
      await decision.getByRole('button', { name: 'Suspend' }).click();
      expect(await decision.locator('#act-err').innerText()).toMatch(/^Say why/);
      await decision.locator('#act-hours').fill('48');
      await decision.locator('#act-reason').fill('Threats in the stream.');
      await decision.getByRole('button', { name: 'Suspend' }).click();
      await expect
        .poll(() => calls.find((c) => c.op === 'ResolveReport')?.variables)
        .toEqual({
          input: {
            targetId: 'STREAM#u-alice#st-1',
            action: 'SUSPEND',
            reason: 'Threats in the stream.',
            suspendHours: 48,
          },
        });

      const suspended = page.getByTestId('suspension-row').filter({ hasText: '@ben_kicks' });
      expect(await suspended.innerText()).toContain("until an admin lifts it · by viewers' reports");
      await suspended.getByRole('button', { name: 'Lift…' }).click();
      await decision.locator('#act-reason').fill('Reviewed: no violation.');
      await decision.getByRole('button', { name: 'Lift' }).click();
      await expect
        .poll(() => calls.find((c) => c.op === 'LiftSuspension')?.variables)
        .toEqual({ userId: 'u-ben', reason: 'Reviewed: no violation.' });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await page.screenshot({ path: shot(`safety-admin-${viewport.width}x${viewport.height}`), fullPage: true });
      await ctx.close();
    });
  }
});
