// The chat when the WebSocket cannot connect (blocked with Playwright's WebSocket routing), on a
// phone: history on join, HTTP polling every 4 s, a message typed meanwhile sent once the socket is
// back; a timed-out viewer sees the real state; a moderator pins and times out from the chat with
// the app's own confirmation dialog. Production build, fixture API, fake IVS Chat endpoint.
import { rmSync } from 'node:fs';
import type { Browser, BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeChat } from './fake-chat';
import { fixtureApi } from './fixtures';
import { ensureBuild, launchChromium, makeFixtureHls, serveDist, signedInStorage } from './support';

const CLIENT_ID = 'fixture-client';
let browser: Browser;
let site: Awaited<ReturnType<typeof serveDist>>;
let hls: string;
let api: ReturnType<typeof fixtureApi>;
let chat: Awaited<ReturnType<typeof startFakeChat>>;
const stored = (
  messageId: string,
  handle: string,
  content: string,
  agoMs: number,
  deletedReason: string | null = null,
) => ({
  messageId,
  userId: `u-${handle}`,
  handle,
  role: 'VIEWER',
  content,
  sentAt: new Date(Date.now() - agoMs).toISOString(),
  deletedReason,
});

interface Options {
  history: ReturnType<typeof stored>[];
  token?: Record<string, unknown>;
  blocked: { value: boolean };
}

async function phoneFor(user: { sub: string; handle: string; email: string }, opts: Options): Promise<BrowserContext> {
  const ctx = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  await ctx.addInitScript(
    (entries: Record<string, string>) => {
      for (const [k, v] of Object.entries(entries)) localStorage.setItem(k, v);
    },
    signedInStorage(CLIENT_ID, user),
  );
  await ctx.route(`${site.origin}/graphql`, async (route) => {
    const body = route.request().postDataJSON() as { query: string; variables?: Record<string, unknown> };
    const op = api.opName(body.query);
    api.calls.push({ op, variables: body.variables ?? {} });
    const data =
      op === 'ChatHistory'
        ? { chatHistory: opts.history }
        : op === 'ChatToken'
          ? {
              createChatToken: {
                ...(api.answer(op, {}) as { createChatToken: object }).createChatToken,
                timedOutUntil: null,
                ...opts.token,
              },
            }
          : op === 'Timeout'
            ? { timeoutUser: { entryId: 'e9' } }
            : api.answer(op, body.variables ?? {});
    await route.fulfill({ contentType: 'application/json', body: JSON.stringify({ data }) });
  });
  await ctx.routeWebSocket(chat.url, (ws) => {
    if (opts.blocked.value) void ws.close({ code: 1011, reason: 'blocked by the test' });
    else ws.connectToServer();
  });
  return ctx;
}

beforeAll(async () => {
  ensureBuild();
  hls = makeFixtureHls(20);
  chat = await startFakeChat();
  site = await serveDist(
    (origin) => ({
      stage: 'fixture',
      region: 'us-east-1',
      graphqlUrl: `${origin}/graphql`,
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
  if (hls) rmSync(hls, { recursive: true, force: true });
});

describe('chat on a phone when the WebSocket is blocked', () => {
  it('shows the history, polls every 4 s, and sends what was typed once the socket connects', async () => {
    const opts: Options = {
      history: [
        stored('h1', 'carl', 'earlier question', 60_000),
        stored('h2', 'dana', 'rude words', 30_000, 'Removed by a moderator'),
      ],
      blocked: { value: true },
    };
    const ctx = await phoneFor({ sub: 'u-bob', handle: 'bob', email: 'bob@example.com' }, opts);
    const page = await ctx.newPage();
    await page.goto(`${site.origin}/u/alice`);
    // On a phone the chat is the second tab under the video.
    await page.getByRole('tab', { name: 'Chat' }).click();
    const lines = page.getByTestId('chat-lines');
    await lines.getByText('earlier question').waitFor();
    await lines.getByText('message deleted (Removed by a moderator)').waitFor();
    await expect.poll(() => page.getByTestId('chat-status').innerText(), { timeout: 20_000 }).toContain('Reconnecting');

    // Polling brings what others say while the socket is down.
    opts.history = [...opts.history, stored('h3', 'erin', 'said while you were offline', 0)];
    const polledAt = Date.now();
    await lines.getByText('said while you were offline').waitFor({ timeout: 9_000 });
    expect(Date.now() - polledAt).toBeLessThan(9_000);

    await expect.poll(() => page.locator('#chat-input').isEnabled()).toBe(true);
    await page.fill('#chat-input', 'typed while offline');
    await page.press('#chat-input', 'Enter');
    await lines.getByText('typed while offline').waitFor();
    expect(chat.received).not.toContain('typed while offline');

    opts.blocked.value = false;
    await expect.poll(() => page.getByTestId('chat-status').innerText(), { timeout: 45_000 }).toBe('● Connected');
    await expect.poll(() => chat.received.includes('typed while offline'), { timeout: 10_000 }).toBe(true);
    await ctx.close();
  }, 120_000);

  it('a timed-out viewer sees the time left and cannot send until it ends', async () => {
    const ctx = await phoneFor(
      { sub: 'u-bob', handle: 'bob', email: 'bob@example.com' },
      {
        history: [],
        blocked: { value: false },
        token: { timedOutUntil: new Date(Date.now() + 125_000).toISOString() },
      },
    );
    const page = await ctx.newPage();
    await page.goto(`${site.origin}/u/alice`);
    await expect
      .poll(() => page.getByTestId('chat-status').innerText(), { timeout: 20_000 })
      .toMatch(/^Timed out · 2:0\d left$/);
    expect(await page.locator('#chat-input').isDisabled()).toBe(true);
    expect(await page.getByText('● Connected').count()).toBe(0);
    await ctx.close();
  }, 60_000);

  it("a moderator pins a message and times a viewer out from the chat, confirming in the app's dialog", async () => {
    const ctx = await phoneFor(
      { sub: 'u-mod', handle: 'mod_mia', email: 'mia@example.com' },
      {
        history: [stored('h1', 'carl', 'free shipping?', 5_000)],
        blocked: { value: false },
        token: { role: 'MODERATOR', capabilities: ['SEND_MESSAGE', 'DELETE_MESSAGE', 'DISCONNECT_USER'] },
      },
    );
    const page = await ctx.newPage();
    page.on('dialog', () => {
      throw new Error("the browser's own dialog must not be used");
    });
    await page.goto(`${site.origin}/u/alice`);
    await page.getByRole('tab', { name: 'Chat' }).click();
    await page.getByTestId('chat-lines').getByText('free shipping?').waitFor();
    await page.getByRole('button', { name: 'Pin message from carl' }).click();
    // The settings mutation and query share the operation name ChatSettings; the mutation carries `input`.
    await expect
      .poll(() => api.calls.find((c) => c.op === 'ChatSettings' && c.variables['input'])?.variables)
      .toEqual({ input: { channelId: 'u-alice', pinnedMessage: '@carl: free shipping?' } });
    await page.getByTestId('chat-pinned').getByText('@carl: free shipping?').waitFor();

    await page.getByRole('button', { name: 'Timeout carl' }).click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.getByText('Time out @carl?').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(api.calls.some((c) => c.op === 'Timeout')).toBe(false);
    await page.getByRole('button', { name: 'Timeout carl' }).click();
    await dialog.getByRole('button', { name: 'Time out 10 minutes' }).click();
    await expect
      .poll(() => api.calls.find((c) => c.op === 'Timeout')?.variables)
      .toMatchObject({ channelId: 'u-alice', userId: 'u-carl', seconds: 600 });
    await ctx.close();
  }, 60_000);
});
