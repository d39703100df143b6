import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, type Browser } from '../fixtures/browser.ts';
import { seriousA11yViolations, signInThroughForm, startOneBox, tileFrames, type OneBox } from '../fixtures/dashboard.ts';
import { ffprobe } from '../fixtures/ffprobe.ts';
import { until } from '../fixtures/until.ts';
import { sampleTrigger } from '../../src/alerts/test-fixtures.ts';

const skip = hasChromium() ? false : 'needs Debian chromium (/usr/bin/chromium)';
const SCREENSHOTS = path.resolve('docs/screenshots');

/** The live grid and a camera's timeline against the real one box (DVR simulator, recording, WebRTC and HLS). */
describe.skipIf(skip)('dashboard: live grid and timeline', () => {
  let box: OneBox;
  let browser: Browser;
  let page: Page;
  /** when the test alert on cam_001 fired */
  let alertAt: Date;

  beforeAll(async () => {
    await mkdir(SCREENSHOTS, { recursive: true });
    box = await startOneBox({ channels: 4 });
    browser = await launchBrowser();
    page = await browser.page();
    await page.setViewportSize({ width: 1280, height: 900 });
    await signInThroughForm(page, box.url, await box.user('operator'));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await box?.stop();
  });

  it('plays every camera of the grid: frames advance and are not blank', async () => {
    await page.goto(`${box.url}/live`);
    await page.getByRole('heading', { name: 'Live', level: 1 }).waitFor();
    expect(await page.getByRole('link', { name: /open full screen/ }).count()).toBe(4);
    const first = await until('4 tiles playing non-blank video', 90_000, async () => {
      const frames = await tileFrames(page, 'article[data-camera] video');
      return frames.length === 4 && frames.every((f) => f.currentTime > 0 && f.stdev > 4) ? frames : undefined;
    }, 500);
    // and still moving a moment later: a frozen picture would keep its currentTime
    const later = await until('every tile advanced', 30_000, async () => {
      const frames = await tileFrames(page, 'article[data-camera] video');
      return frames.every((f, i) => f.currentTime > first[i]!.currentTime + 0.5) ? frames : undefined;
    }, 500);
    expect(later.map((f) => f.camera)).toEqual(['cam_001', 'cam_002', 'cam_003', 'cam_004']);
    expect(await page.locator('article[data-camera]').first().getAttribute('data-transport')).toMatch(/webrtc|hls/);
    await expect.poll(() => page.getByText('Recording').count(), { timeout: 30_000 }).toBe(4);

    // an open alert shows on its camera's tile, and leads to the alert
    alertAt = new Date(Date.now() - 20_000);
    const alert = sampleTrigger({ cameraId: 'cam_001', key: `live-test:${alertAt.getTime()}`, at: alertAt, startedAt: new Date(alertAt.getTime() - 10_000), title: 'Person loitering at the gate for 10 s' });
    await box.running.ctx.repos.alerts.recordTrigger(alert);
    const overlay = page.locator('article[data-camera="cam_001"]').getByRole('link', { name: /Person loitering at the gate/ });
    await overlay.waitFor({ timeout: 30_000 });
    expect(await overlay.getAttribute('href')).toMatch(/^\/alerts\/\d+$/);
    expect(await page.locator('article[data-camera="cam_002"]').getByRole('link', { name: /Person loitering/ }).count()).toBe(0);

    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'live-grid.png') });
  }, 180_000);

  it('stops an off-screen tile and opens one camera alone with Enter; the single view fits a phone', async () => {
    // one column: the last tiles are below the fold
    await page.setViewportSize({ width: 400, height: 300 });
    await until('the last tile paused off screen', 30_000, async () => ((await page.locator('article[data-camera="cam_004"]').getAttribute('data-phase')) === 'idle' ? true : undefined), 250);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.getByRole('link', { name: 'Channel 2: open full screen' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/live\/cam_002$/);
    await page.getByRole('heading', { name: 'Channel 2', level: 1 }).waitFor();
    const single = 'video[aria-label="Live video of Channel 2"]';
    const before = await until('the single camera playing', 60_000, async () => {
      const [f] = await tileFrames(page, single);
      return f && f.currentTime > 0 && f.stdev > 4 ? f : undefined;
    }, 500);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    // the picture fits the phone's width and keeps playing
    expect(await page.$eval(single, (v) => v.getBoundingClientRect().width)).toBeLessThanOrEqual(390);
    await until('still playing at phone size', 30_000, async () => {
      const [f] = await tileFrames(page, single);
      return f && f.currentTime > before.currentTime + 0.5 ? f : undefined;
    }, 500);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'live-camera-phone.png') });
  }, 120_000);

  it('shows the day\'s recording on the timeline, plays it, and exports a range as an MP4', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${box.url}/timeline/cam_001`);
    // the first segments close after recording.segment_seconds
    await until('coverage on the timeline', 90_000, async () => {
      const text = await page.getByTestId('coverage-summary').textContent().catch(() => null);
      if (text && /recorded stretch/.test(text)) return true;
      await page.reload();
      return undefined;
    }, 3000);
    expect(await seriousA11yViolations(page)).toEqual([]);

    const scrub = page.getByRole('slider', { name: 'Playhead over the day' });
    const from = Number(await page.getByRole('slider', { name: 'Export from' }).inputValue());
    await scrub.fill(String(from + 2));
    await until('the recording playing', 60_000, async () => {
      const [f] = await tileFrames(page, 'video[aria-label="Recording of Channel 1"]');
      return f && f.currentTime > 0 && f.stdev > 4 ? f : undefined;
    }, 500);
    expect(await page.getByRole('status').filter({ hasText: 'showing' }).count()).toBe(1);
    await page.screenshot({ path: path.join(SCREENSHOTS, 'timeline.png') });

    // the alert is on the day, and its button plays from a moment before it
    await page.getByRole('button', { name: /Play alert Person loitering at the gate/ }).click();
    await until('the recording around the alert', 60_000, async () => {
      const showing = Date.parse((await page.locator('video[aria-label="Recording of Channel 1"]').getAttribute('data-showing')) ?? '');
      return showing >= alertAt.getTime() - 6000 && showing <= alertAt.getTime() + 20_000 ? showing : undefined;
    }, 500);

    await page.getByRole('slider', { name: 'Export to' }).fill(String(from + 6));
    await page.getByText(/\(6 s\)/).waitFor();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export MP4' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^cam_001_.*\.mp4$/);
    const file = path.join(SCREENSHOTS, '..', 'export-test.mp4');
    await download.saveAs(file);
    try {
      expect((await stat(file)).size).toBeGreaterThan(10_000);
      expect(await ffprobe(['-show_entries', 'format=format_name', '-of', 'csv=p=0', file])).toMatch(/mp4/);
      const seconds = Number(await ffprobe(['-show_entries', 'format=duration', '-of', 'csv=p=0', file]));
      expect(seconds).toBeGreaterThan(3);
      expect(seconds).toBeLessThan(12);
      expect((await readFile(file)).subarray(4, 8).toString()).toBe('ftyp');
    } finally {
      await rm(file, { force: true });
    }
  }, 240_000);

  it('a viewer limited to one camera sees only its tile and its timeline, without the export', async () => {
    const own = await launchBrowser();
    try {
      const viewerPage = await own.page();
      await signInThroughForm(viewerPage, box.url, await box.user('viewer', { cameras: ['cam_003'] }));
      await viewerPage.goto(`${box.url}/live`);
      await viewerPage.getByRole('link', { name: 'Channel 3: open full screen' }).waitFor();
      expect(await viewerPage.locator('article[data-camera]').count()).toBe(1);
      await viewerPage.goto(`${box.url}/timeline/cam_003`);
      await viewerPage.getByTestId('coverage-summary').waitFor();
      expect(await viewerPage.getByRole('slider', { name: 'Playhead over the day' }).count()).toBe(1);
      expect(await viewerPage.getByRole('link', { name: 'Export MP4' }).count()).toBe(0);
      expect(await viewerPage.getByRole('slider', { name: 'Export from' }).count()).toBe(0);
      await viewerPage.goto(`${box.url}/timeline/cam_001`);
      await viewerPage.getByText('No camera “cam_001” is visible to you.').waitFor();
    } finally {
      await own.close();
    }
  }, 120_000);
});
