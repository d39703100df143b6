/**
 * /settings/cameras in the browser against the real one box: an admin tests a DVR (the simulator,
 * with a password), picks channels and adds them; the new cameras start recording without a restart.
 */
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/core/log.ts';
import { ensureSample } from '../../src/dvr-sim/sample.ts';
import { startDvrSim, type DvrSim } from '../../src/dvr-sim/server.ts';
import { hasChromium, launchBrowser, type Browser } from '../fixtures/browser.ts';
import { seriousA11yViolations, signInThroughForm, startOneBox, type OneBox } from '../fixtures/dashboard.ts';
import { until } from '../fixtures/until.ts';

const skip = hasChromium() ? false : 'needs Debian chromium (/usr/bin/chromium)';
const PASSWORD = 'Gate-Dvr-2024';
const SCREENSHOTS = process.env.VIGIL_SCREENSHOT_DIR ?? path.join(tmpdir(), 'vigil-screenshots');

describe.skipIf(skip)('settings: cameras', () => {
  let box: OneBox;
  let sim: DvrSim;
  let browser: Browser;

  beforeAll(async () => {
    const log = createLogger('silent');
    const sample = await ensureSample(undefined, log, { download: false });
    sim = await startDvrSim({ port: 0, channels: 3, password: PASSWORD, main: sample.main, sub: sample.sub, log });
    box = await startOneBox({ channels: 2, analysedChannels: 0 });
    browser = await launchBrowser();
    await mkdir(SCREENSHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await box?.stop();
    await sim?.stop();
  });

  it('adds picked channels of a DVR, which start recording; disables one', async () => {
    const page = await browser.page();
    await page.setViewportSize({ width: 1280, height: 900 });
    await signInThroughForm(page, box.url, await box.user('admin'));
    await page.goto(`${box.url}/settings/cameras`);
    await page.getByRole('heading', { name: 'Cameras', level: 1 }).waitFor();
    await page.locator('tr[data-camera="cam_001"]').waitFor();

    await page.getByRole('button', { name: 'Add DVR' }).click();
    await page.getByLabel('DVR name (id)').fill('gate');
    await page.getByLabel('Host').fill('127.0.0.1');
    await page.getByLabel('Port').fill(String(sim.port));
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByLabel('Channels to probe').fill('4');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText('Cannot use this DVR: wrong username or password').waitFor();

    await page.getByLabel('Password').fill(PASSWORD);
    // keyboard: the form submits with Enter from a field
    await page.getByLabel('Password').press('Enter');
    const channels = page.getByRole('group', { name: 'Channels to add' });
    await channels.waitFor();
    expect(await channels.getByRole('checkbox').count()).toBe(4);
    expect(await channels.getByRole('checkbox', { name: /Channel 4/ }).isDisabled()).toBe(true);
    await channels.getByText('no such channel').waitFor();
    await channels.getByText('H264 960×1080').first().waitFor();
    await channels.getByRole('checkbox', { name: /Channel 2/ }).uncheck();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'settings-cameras-add-dvr.png'), fullPage: true });
    await page.getByRole('button', { name: 'Add cameras (2)' }).click();

    for (const id of ['gate_ch1', 'gate_ch3']) await page.locator(`tr[data-camera="${id}"]`).waitFor();
    expect(await page.locator('tr[data-camera="gate_ch2"]').count()).toBe(0);
    await until('gate_ch1 and gate_ch3 recording', 90_000, async () => {
      const s = await Promise.all(['gate_ch1', 'gate_ch3'].map((id) => box.running.ctx.repos.segments.stats(id)));
      return s.every((x) => x.segments >= 1) ? true : undefined;
    });
    await page.locator('tr[data-camera="gate_ch1"]').getByText('streaming').waitFor({ timeout: 30_000 });

    await page.getByRole('button', { name: 'Disable gate_ch3' }).click();
    await page.locator('tr[data-camera="gate_ch3"]').getByText('disabled').waitFor();
    await until('gate_ch3 stopped', 30_000, () => (box.running.ctx.cameraStatus.has('gate_ch3') ? undefined : true));
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'settings-cameras.png'), fullPage: true });
    expect(await page.content()).not.toContain(PASSWORD);
    await page.close();
  }, 240_000);

  it('sets retention and the storage budget, and shows what is stored', async () => {
    const page = await browser.page();
    await page.setViewportSize({ width: 1280, height: 900 });
    await signInThroughForm(page, box.url, await box.user('admin'));
    await page.goto(`${box.url}/settings/storage`);
    await page.getByText(/used of a .* budget/).waitFor({ timeout: 90_000 });
    await page.getByLabel('Retention days').fill('5');
    await page.getByLabel(/Storage budget/).fill('40');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    expect(box.running.ctx.storagePolicy.sweepConfig()).toMatchObject({ recording: { retention_days: 5 }, storage: { budget_bytes: 40_000_000_000 } });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'settings-storage.png'), fullPage: true });
    await page.close();
  }, 180_000);

  it('adds a notification recipient and sends it a test message', async () => {
    const page = await browser.page();
    await page.setViewportSize({ width: 1280, height: 900 });
    await signInThroughForm(page, box.url, await box.user('admin'));
    await page.goto(`${box.url}/settings/notifications`);
    await page.getByRole('button', { name: 'Add recipient' }).click();
    await page.getByLabel('Name', { exact: true }).fill('night_guard');
    await page.getByLabel('Email', { exact: true }).fill('guard@example.com');
    await page.getByLabel('From severity').selectOption('critical');
    await page.getByRole('button', { name: 'Save' }).click();
    const row = page.locator('tr[data-recipient="night_guard"]');
    await row.getByText('critical').waitFor();
    await page.getByRole('button', { name: 'Send test to night_guard' }).click();
    await page.getByText(/email → guard@example.com: not sent: the email channel is not configured/).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'settings-notifications.png'), fullPage: true });
    await page.close();
  }, 180_000);
});
