import { rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, type Browser } from '../fixtures/browser.ts';
import { recordAlarms, seriousA11yViolations, signInThroughForm, startOneBox, tileFrames, type OneBox } from '../fixtures/dashboard.ts';
import { ffprobe } from '../fixtures/ffprobe.ts';
import { until } from '../fixtures/until.ts';

const skip = hasChromium() ? false : 'needs Debian chromium (/usr/bin/chromium)';
const RULE = 'loiter_yard';

/**
 * One shift on the real one box, through the dashboard only: the admin signs in with MFA, sees the
 * cameras play, draws a zone, drafts a 10 s loitering rule, dry-runs and saves it; the rule fires on
 * the simulator's real footage and the operator gets the alert live (sound and notification), opens
 * its evidence, acknowledges and resolves it, finds it on the timeline, exports that stretch and
 * searches a face with its snapshot; viewers see what their role and cameras allow, nothing more.
 */
describe.skipIf(skip)('dashboard end to end on the one box', () => {
  let box: OneBox;
  const browsers: Browser[] = [];
  let alertId = 0;
  let operatorPage: Page;

  const newPage = async () => {
    // one browser per person: each keeps its own session cookies
    const b = await launchBrowser();
    browsers.push(b);
    const page = await b.page();
    await page.setViewportSize({ width: 1400, height: 1000 });
    return page;
  };
  const noSeriousViolations = async (page: Page) => expect(await seriousA11yViolations(page)).toEqual([]);

  beforeAll(async () => {
    box = await startOneBox({ channels: 4 });
  }, 180_000);

  afterAll(async () => {
    for (const b of browsers) await b.close();
    await box?.stop();
  });

  it('the admin signs in with MFA, sees ≥ 4 cameras playing, draws a zone and saves a dry-run 10 s loitering rule', async () => {
    const page = await newPage();
    await signInThroughForm(page, box.url, await box.user('admin'));
    expect(new URL(page.url()).pathname).toBe('/live');
    await until('4 tiles playing non-blank video', 120_000, async () => {
      const frames = await tileFrames(page, 'article[data-camera] video');
      return frames.filter((f) => f.currentTime > 0 && f.stdev > 4).length >= 4 ? frames : undefined;
    }, 500);
    await noSeriousViolations(page);

    await page.goto(`${box.url}/settings/zones?camera=cam_001`);
    const snapshot = page.getByRole('img', { name: 'What camera cam_001 sees now' });
    await expect.poll(async () => ((await snapshot.count()) ? snapshot.evaluate((img: HTMLImageElement) => img.naturalWidth).catch(() => 0) : 0), { timeout: 90_000, interval: 1000 }).toBeGreaterThan(0);
    await page.getByLabel('Zone id').fill('yard');
    await page.getByLabel('Name', { exact: true }).fill('Yard');
    const canvas = (await page.getByTestId('snapshot-canvas').boundingBox())!;
    for (const [fx, fy] of [[0.02, 0.02], [0.98, 0.02], [0.98, 0.98], [0.02, 0.98]] as const) await page.mouse.click(canvas.x + fx * canvas.width, canvas.y + fy * canvas.height);
    await page.getByLabel('Point 4 x').waitFor();
    await noSeriousViolations(page);
    await page.getByRole('button', { name: 'Save zone' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved zone yard' }).waitFor();

    await page.goto(`${box.url}/settings/rules?camera=cam_001`);
    await page.getByLabel('Rule id').fill(RULE);
    await page.getByLabel('Rule name').fill('Loitering in the yard');
    await page.getByLabel('Type').selectOption('loitering');
    await page.getByLabel('Zone').selectOption('yard');
    await page.getByLabel('Seconds').fill('10');
    await page.getByLabel('Severity').selectOption('critical');
    await page.getByRole('button', { name: 'Dry run' }).click();
    await page.getByTestId('dry-run-result').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('dry-run-result').textContent()).toMatch(/Would have fired \d+ times? in the last 24 hours/);
    await noSeriousViolations(page);
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByRole('status').filter({ hasText: `Saved rule ${RULE}` }).waitFor();
  }, 420_000);

  it('the operator receives the rule\'s alert live with sound and notification, opens its evidence, acknowledges and resolves it', async () => {
    operatorPage = await newPage();
    const page = operatorPage;
    await recordAlarms(page, box.url);
    await signInThroughForm(page, box.url, await box.user('operator'));
    await page.goto(`${box.url}/alerts`);
    await page.getByTestId('feed-state').getByText('Live').waitFor();
    await page.getByRole('button', { name: 'Enable alert sound & notifications' }).click();

    // the saved rule fires on the simulator's footage: someone stays 10 s in the yard
    const item = page.locator('[data-alert-id]').filter({ hasText: 'Loitering in the yard' }).first();
    await item.waitFor({ timeout: 240_000 });
    alertId = Number(await item.getAttribute('data-alert-id'));
    await until('the notification and the beep', 30_000, async () => {
      const alarms = await page.evaluate(() => (window as unknown as { alarms: { shown: string[]; beeps: number } }).alarms);
      return alarms.shown.some((t) => t.startsWith('Critical')) && alarms.beeps > 0 ? true : undefined;
    });

    await page.goto(`${box.url}/alerts/${alertId}`);
    const detail = page.getByTestId('alert-detail');
    await detail.getByText('Loitering in the yard').first().waitFor();
    await detail.getByTestId('evidence-overlay').locator('rect').first().waitFor();
    // the clip appears once the recording after the alert (its post-roll) is written
    await detail.getByRole('button', { name: 'Play clip' }).click({ timeout: 120_000 });
    await until('the clip playing', 120_000, async () => {
      const t = await detail.getByTestId('alert-clip').evaluate((v: HTMLVideoElement) => v.currentTime).catch(() => 0);
      return t > 0 ? t : undefined;
    }, 1000);
    await noSeriousViolations(page);

    await detail.getByRole('heading', { level: 2 }).click();
    await page.keyboard.press('a');
    await page.locator('[data-testid="alert-detail"][data-status="ack"]').waitFor();
    await detail.getByTestId('alert-note').fill('guard checked the yard');
    await detail.getByRole('heading', { level: 2 }).click();
    await page.keyboard.press('r');
    await page.locator('[data-testid="alert-detail"][data-status="resolved"]').waitFor();
    await detail.getByTestId('alert-history').getByText('guard checked the yard').waitFor();
  }, 420_000);

  it('the operator finds the alert on the timeline, exports that stretch as an MP4, and searches its snapshot for faces', async () => {
    const page = operatorPage;
    await page.goto(`${box.url}/timeline/cam_001`);
    const play = page.getByRole('button', { name: /Play alert .*Loitering in the yard|Play alert/ }).first();
    await play.waitFor({ timeout: 60_000 });
    await play.click();
    const from = Number(await page.getByRole('slider', { name: 'Export from' }).inputValue());
    await page.getByRole('slider', { name: 'Export to' }).fill(String(from + 6));
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Export MP4' }).click()]);
    const file = path.join(tmpdir(), `vigil-e2e-${process.pid}.mp4`);
    await download.saveAs(file);
    try {
      expect((await stat(file)).size).toBeGreaterThan(10_000);
      expect(await ffprobe(['-show_entries', 'format=format_name', '-of', 'csv=p=0', file])).toMatch(/mp4/);
      expect(Number(await ffprobe(['-show_entries', 'format=duration', '-of', 'csv=p=0', file]))).toBeGreaterThan(3);
    } finally {
      await rm(file, { force: true });
    }

    const alert = await (await page.request.get(`${box.url}/api/v1/alerts/${alertId}`)).json() as { snapshot_url: string | null };
    expect(alert.snapshot_url).toBeTruthy();
    const snapshot = await (await page.request.get(new URL(alert.snapshot_url!, box.url).toString())).body();
    await page.goto(`${box.url}/faces`);
    await page.getByText('Every face search is recorded in the audit log').waitFor();
    await page.locator('input[type="file"]').setInputFiles({ name: 'alert.jpg', mimeType: 'image/jpeg', buffer: snapshot });
    // the footage's faces are a few pixels tall: the page answers with matches or says why there are none
    await page.getByTestId('face-results').or(page.getByText('No stored face is similar enough.')).or(page.getByRole('alert')).first().waitFor({ timeout: 60_000 });
    await noSeriousViolations(page);
  }, 300_000);

  it('a viewer sees no Settings and cannot act on the alert; a viewer of one camera sees only that camera', async () => {
    const viewer = await newPage();
    await signInThroughForm(viewer, box.url, await box.user('viewer'));
    expect(await viewer.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).count()).toBe(0);
    await viewer.goto(`${box.url}/alerts/${alertId}`);
    await viewer.getByTestId('alert-detail').waitFor();
    expect(await viewer.getByRole('region', { name: 'Act on this alert' }).count()).toBe(0);
    expect(await viewer.getByRole('button', { name: /Acknowledge|Resolve|False positive/ }).count()).toBe(0);
    await noSeriousViolations(viewer);

    const scoped = await newPage();
    await signInThroughForm(scoped, box.url, await box.user('viewer', { cameras: ['cam_003'] }));
    await scoped.getByRole('link', { name: 'Channel 3: open full screen' }).waitFor();
    expect(await scoped.locator('article[data-camera]').count()).toBe(1);
    await scoped.goto(`${box.url}/alerts`);
    await scoped.getByTestId('feed-state').waitFor();
    expect(await scoped.locator(`[data-alert-id="${alertId}"]`).count()).toBe(0);
    await scoped.goto(`${box.url}/alerts/${alertId}`);
    expect(await scoped.getByTestId('alert-detail').count()).toBe(0);
    await scoped.goto(`${box.url}/events?camera=cam_001`);
    await scoped.getByTestId('event-list').or(scoped.getByText(/No events|not visible/)).first().waitFor();
    expect(await scoped.locator('[data-testid="event-list"] li').filter({ hasText: 'Channel 1' }).count()).toBe(0);
    await scoped.goto(`${box.url}/timeline/cam_001`);
    await scoped.getByText('No camera “cam_001” is visible to you.').waitFor();
  }, 300_000);
});
