// Full journeys against the local mode (startLocalPlatform on free ports) with an ffmpeg stream.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  confirmationCode as codeIn,
  mailsTo,
  pushStream as pushTo,
  signUp as signUpIn,
  startLocal,
  stopStreams,
  type LocalPlatform,
} from './local-mode';
import { ensureBuild, launchChromium, ROOT, screenshotRendered, shot } from './support';

const available = existsSync(join(ROOT, 'local/start.ts'));

let platform: LocalPlatform | undefined;
let browser: Browser;
let web = '';
let rtmpBase = '';
let outbox = '';

/** Newest code in the local outbox for the address; '' until one arrives. */
const confirmationCode = (email: string): string => codeIn(outbox, email);

/** A 720p stream with 2 s keyframes, what the README tells OBS users to send. */
const pushStream = (streamKey: string) =>
  pushTo(rtmpBase, streamKey, { seconds: 120, size: '1280x720', gop: 60, bitrate: '2500k' });

/** Signs up through the web app and lands in the Studio. */
const signUp = (page: Page, email: string, handle: string, password: string): Promise<void> =>
  signUpIn(page, web, outbox, { email, handle, password }, '/studio/');

describe.skipIf(!available)('journeys against the local mode', () => {
  beforeAll(async () => {
    ensureBuild();
    ({ platform, outbox } = await startLocal('journeys', { scheduleEveryMs: 3000 }));
    web = platform.endpoints['webUrl'] ?? '';
    rtmpBase = platform.endpoints['rtmpUrl'] ?? '';
    expect(web).toMatch(/^http/);
    browser = await launchChromium();
  });

  afterAll(async () => {
    stopStreams();
    await browser?.close();
    await platform?.stop();
  });

  it('streamer: sign up → copy key → go live via ffmpeg → add product → moderate → end; viewer: browse → watch → chat → bid → buy → replay', async () => {
    const id = Date.now().toString(36);
    const streamer = await (await browser.newContext()).newPage();
    await streamer.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: web });
    await signUp(streamer, `s${id}@example.com`, `s${id}`, 'Str3am!pass-2026');
    await streamer.waitForURL((u) => u.pathname.startsWith('/studio'));
    // Sign-up creates no channel: the streamer opts in from the Studio and watches the setup finish.
    await streamer.locator('#pv-h').waitFor({ timeout: 30_000 });
    await streamer.click('form button[type=submit]');
    await streamer.getByTestId('stream-key').waitFor({ timeout: 30_000 });
    await streamer.locator('#skey ~ button', { hasText: 'Copy' }).click();
    const key = await streamer.evaluate(() => navigator.clipboard.readText());
    expect(key.length).toBeGreaterThan(8);
    // The card shows the server OBS should use: locally the plain RTMP ingest.
    await streamer.locator('#ingest ~ button', { hasText: 'Copy' }).click();
    expect(await streamer.evaluate(() => navigator.clipboard.readText())).toBe(rtmpBase);
    const ff = pushStream(key);
    await expect.poll(() => streamer.getByTestId('live-status').innerText(), { timeout: 60_000 }).toContain('LIVE');

    await streamer.getByRole('button', { name: '+ Add product' }).click();
    await streamer.fill('#ap-title', 'E2E mystery box');
    await streamer.selectOption('#ap-mode', 'AUCTION_WITH_BUY_NOW');
    await streamer.fill('#ap-start', '5');
    await streamer.fill('#ap-bn', '50');
    await streamer.fill('#ap-dur', '900');
    await streamer.click('dialog button[type=submit]');
    const card = streamer.locator('[data-testid=product]', { hasText: 'E2E mystery box' });
    await card.waitFor();
    await card.getByRole('button', { name: 'Feature' }).click();
    await card.getByRole('button', { name: 'Start auction' }).click();
    await screenshotRendered(streamer, 'local-studio');

    const viewer = await (await browser.newContext()).newPage();
    await signUp(viewer, `v${id}@example.com`, `v${id}`, 'V1ewer!pass-2026');
    await viewer.waitForURL((u) => u.pathname.startsWith('/studio'));
    await viewer.goto(`${web}/`);
    await viewer.getByText(`s${id}`).first().waitFor({ timeout: 30_000 });
    await screenshotRendered(viewer, 'local-browse');
    await viewer.goto(`${web}/u/s${id}`);
    await viewer.waitForFunction(() => document.body.hasAttribute('data-first-frame'), null, { timeout: 60_000 });
    try {
      await expect.poll(() => viewer.locator('#chat-input').isEnabled(), { timeout: 30_000 }).toBe(true);
    } catch (error) {
      await viewer.screenshot({ path: shot('local-watch-chat-failure') });
      console.error('chat panel:', await viewer.locator('body').innerText());
      throw error;
    }
    await viewer.fill('#chat-input', 'hello from e2e');
    await viewer.press('#chat-input', 'Enter');
    await streamer.locator('[data-testid=chat-lines] li', { hasText: 'hello from e2e' }).waitFor({ timeout: 30_000 });
    const bidInput = viewer.locator('[data-testid=product] input').first();
    await bidInput.fill('5');
    await bidInput.press('Enter');
    await expect
      .poll(() => viewer.locator('[data-testid=current-price]').first().innerText(), { timeout: 20_000 })
      .toBe('$5.00');
    await viewer.locator('[data-testid=product] button', { hasText: 'Buy now' }).first().click();
    await viewer.getByRole('button', { name: 'Confirm purchase' }).click();
    await viewer
      .getByText(/Purchased E2E mystery box/)
      .first()
      .waitFor({ timeout: 20_000 });
    // Names are handles, never user ids: the header here, the buyer on the replay's sale below.
    expect(await viewer.locator('a[href="/account/"]').first().innerText()).toBe(`@v${id}`);
    // The sale also reaches the video: sale-markers → PutMetadata → amazon-ivs-player's cue.
    await viewer.locator('.cue[role=status]', { hasText: 'Sold: E2E mystery box' }).waitFor({ timeout: 30_000 });
    await screenshotRendered(viewer, 'local-watch');

    // Moderate: the streamer deletes the viewer's message; the viewer sees it removed.
    await streamer
      .locator('[data-testid=chat-lines] li', { hasText: 'hello from e2e' })
      .getByRole('button', { name: /Delete message/ })
      .click();
    await viewer.getByText(/message deleted/).waitFor({ timeout: 20_000 });

    // End the stream, then the replay lists the sale and seeks to it.
    ff.kill('SIGINT');
    await expect.poll(() => streamer.getByTestId('live-status').innerText(), { timeout: 90_000 }).toContain('Ended');
    await viewer.goto(`${web}/u/s${id}`);
    const replayLink = viewer.locator('a[href^="/replay/"]').first();
    await replayLink.waitFor({ timeout: 90_000 });
    await replayLink.click();
    await viewer.getByTestId('sale-moments').waitFor();
    expect(await viewer.getByTestId('sale-moments').innerText()).toContain(`@v${id}`);
    await viewer.locator('button.moment').first().click();
    await viewer.waitForFunction(() => (document.querySelector('video')?.currentTime ?? 0) > 0, null, {
      timeout: 30_000,
    });
    await screenshotRendered(viewer, 'local-replay');

    // The streamer rotates the key once offline: confirm in the dialog, the card shows a new key.
    await streamer.getByRole('button', { name: 'Rotate key…' }).click();
    await streamer.locator('dialog').getByRole('button', { name: 'Rotate key' }).click();
    await expect
      .poll(
        async () => {
          await streamer.locator('#skey ~ button', { hasText: /Copy/ }).click();
          return streamer.evaluate(() => navigator.clipboard.readText());
        },
        { timeout: 20_000 },
      )
      .not.toBe(key);

    // The viewer forgets the password: reset code from the local outbox, then log in with the new one.
    const viewerEmail = `v${id}@example.com`;
    const signupCode = confirmationCode(viewerEmail);
    // Sign out navigates home once Amplify has cleared the session; going to /signin/ before that
    // navigation lands would race it, so follow the header's "Log in" link as a user does.
    await viewer.getByRole('button', { name: 'Sign out' }).click();
    await viewer.getByRole('link', { name: 'Log in' }).click({ timeout: 20_000 });
    await viewer.waitForURL(/\/signin\/$/);
    await viewer.getByRole('button', { name: 'Forgot password?' }).click();
    await viewer.fill('#email', viewerEmail);
    await viewer.click('form button[type=submit]');
    await viewer.locator('#code').waitFor();
    await expect.poll(() => confirmationCode(viewerEmail), { timeout: 20_000 }).not.toBe(signupCode);
    await viewer.fill('#code', confirmationCode(viewerEmail));
    await viewer.fill('#password', 'N3w!viewer-pass-2026');
    await viewer.click('form button[type=submit]');
    await viewer.getByText('Password changed').waitFor({ timeout: 20_000 });
    await viewer.fill('#email', viewerEmail);
    await viewer.fill('#password', 'N3w!viewer-pass-2026');
    await viewer.click('form button[type=submit]');
    await expect
      .poll(
        () =>
          viewer
            .locator('a[href="/account/"]')
            .first()
            .innerText()
            .catch(() => ''),
        { timeout: 20_000 },
      )
      .toBe(`@v${id}`);
  });

  it('newcomer: "Start selling" opens Sign up; "Resend code" puts a new code in the outbox, says so, and the new code confirms', async () => {
    const id = Date.now().toString(36);
    const email = `n${id}@example.com`;
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${web}/`);
    await page.getByRole('link', { name: 'Start selling' }).click();
    await page.waitForURL((u) => u.pathname === '/signin/' && u.searchParams.get('mode') === 'register');
    // The page is static: the form reads ?mode= once it has started, so wait for it before reading the tab.
    await page.getByRole('heading', { name: 'Create your account' }).waitFor();
    expect(await page.getByRole('tab', { name: 'Sign up' }).getAttribute('aria-selected')).toBe('true');

    await page.fill('#email', email);
    await page.fill('#handle', `n${id}`);
    await page.fill('#password', 'N3wcomer!pass-2026');
    await page.click('form button[type=submit]');
    await page.locator('#code').waitFor();
    await expect.poll(() => confirmationCode(email), { timeout: 20_000 }).toMatch(/^\d{6}$/);
    const mails = () => mailsTo(outbox, email).length;
    const sent = mails();

    await page.getByRole('button', { name: 'Resend code' }).click();
    await page.getByRole('status').filter({ hasText: 'A new code is on its way.' }).waitFor({ timeout: 20_000 });
    await expect.poll(mails, { timeout: 20_000 }).toBe(sent + 1);
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.fill('#code', confirmationCode(email));
    await page.click('form button[type=submit]');
    await page.waitForURL((u) => u.pathname.startsWith('/studio'), { timeout: 30_000 });
  });
});
