import { readFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, type Browser } from '../fixtures/browser.ts';
import { seriousA11yViolations, signInThroughForm, startOneBox, type OneBox } from '../fixtures/dashboard.ts';

const skip = hasChromium() ? false : 'needs Debian chromium (/usr/bin/chromium)';
const SHOTS = process.env.VIGIL_SCREENSHOTS;

/** Saves a screenshot when VIGIL_SCREENSHOTS names a folder (to look at, or for the README). */
async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * The analytics page and the users page of the dashboard against the real one box, with known
 * events and alerts added to its database: charts, heat map, response times, the daily report's
 * downloads; adding a user, changing a role, disabling, resetting a second factor.
 */
describe.skipIf(skip)('analytics and admin pages', () => {
  let box: OneBox;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // cam_003 is not analysed: the events and alerts added below are all it has
    box = await startOneBox({ channels: 3, analysedChannels: 2 });
    browser = await launchBrowser();
    page = await browser.page();
    await signInThroughForm(page, box.url, await box.user('admin'));
    const { repos, store, objects } = box.running.ctx;
    const ago = (minutes: number) => new Date(Date.now() - minutes * 60_000);
    // three people on cam_003, standing low on the left
    await objects.put('snapshots', 'cam_003/tracks/seeded.jpg', await sharp({ create: { width: 640, height: 360, channels: 3, background: '#556070' } }).jpeg().toBuffer());
    for (const [i, minutes] of [30, 20, 10].entries()) {
      await repos.events.upsert({
        eventKey: `seeded-${i}`, cameraId: 'cam_003', eventType: 'detection', label: 'person', confidence: 0.9,
        bbox: [40, 200, 80, 340], snapshotPath: 'cam_003/tracks/seeded.jpg', startTime: ago(minutes), endTime: ago(minutes),
      });
    }
    await store.query(
      `INSERT INTO alerts (event_key, camera_id, severity, status, title, rule_name, triggered_at, acked_at, resolved_at)
       VALUES ('seeded-alert', 'cam_003', 'high', 'resolved', 'Loitering at the yard', 'loiter', $1, $2, $3)`,
      [ago(40), new Date(ago(40).getTime() + 90_000), new Date(ago(40).getTime() + 690_000)],
    );
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await box?.stop();
  });

  it('shows events per hour, the heat map over the camera picture, response times and the daily report', async () => {
    await page.goto(`${box.url}/analytics?camera=cam_003&heat=cam_003`);
    await page.getByRole('heading', { name: 'Analytics', level: 1 }).waitFor();
    // the chart is drawn by recharts, loaded with the page
    await page.locator('figure[aria-label^="Bar chart of events per hour"] .recharts-bar-rectangle').first().waitFor({ timeout: 30_000 });
    await page.getByText(/3 objects seen/).waitFor();

    const heat = page.getByTestId('heatmap');
    await heat.locator('img').waitFor();
    // the camera's live still (it streams), drawn in full
    await expect.poll(() => heat.locator('img').evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(await heat.locator('img').getAttribute('src')).toBe('/api/v1/cameras/cam_003/snapshot.jpg');
    expect(await heat.locator('rect').count()).toBe(1);
    expect(await heat.getByRole('img', { name: /Heat map: 3 people seen on cam_003; most often in the \w+ left of the picture/ }).count()).toBe(1);

    const times = page.getByTestId('response-times');
    await times.waitFor();
    expect(await times.getByRole('row', { name: /All alerts/ }).textContent()).toContain('1 min 30 s');
    expect(await times.getByRole('row', { name: /All alerts/ }).textContent()).toContain('10 min');

    await page.getByTestId('daily-report').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'analytics');
    await page.setViewportSize({ width: 390, height: 844 });
    await shot(page, 'analytics-phone');
    await page.setViewportSize({ width: 1280, height: 800 });

    // the table view of the chart is the same numbers, for those who do not read charts
    await page.getByLabel('Show as table').check();
    expect(await page.getByRole('table', { name: /Events per hour by camera and class/ }).getByRole('columnheader', { name: 'cam_003 · person' }).count()).toBe(1);

    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download CSV' }).click()]);
    expect(csv.suggestedFilename()).toMatch(/^vigil-daily-report-\d{4}-\d{2}-\d{2}\.csv$/);
    const text = await readFile((await csv.path())!, 'utf8');
    expect(text.split('\r\n')[0]).toBe('section,camera_id,subject,measure,value');
    const [pdf] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Download PDF' }).click()]);
    expect((await readFile((await pdf.path())!)).subarray(0, 5).toString()).toBe('%PDF-');
  }, 120_000);

  it('keeps its filters in the URL across a reload', async () => {
    await page.goto(`${box.url}/analytics?range=30d&camera=cam_003`);
    await page.locator('figure[aria-label^="Bar chart of events per day"]').waitFor({ timeout: 30_000 });
    await page.reload();
    expect(await page.getByLabel('Time range').inputValue()).toBe('30d');
    expect(await page.getByLabel('Camera', { exact: true }).inputValue()).toBe('cam_003');
  }, 60_000);

  it('adds a user scoped to one camera, changes the role, disables it and resets a second factor', async () => {
    const { store } = box.running.ctx;
    await page.goto(`${box.url}/settings/users`);
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    await page.getByLabel('Username').fill('yard-guard');
    await page.getByLabel(/^Password/).fill('a long night shift');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByLabel('Every camera').uncheck();
    await page.locator('#new-user-camera-cam_003').check();
    await page.getByRole('button', { name: 'Add user' }).click();
    const row = page.getByRole('row', { name: /yard-guard/ });
    await row.waitFor();
    expect(await row.textContent()).toContain('cam_003');

    await page.getByLabel('Role of yard-guard').selectOption('operator');
    await expect.poll(async () => (await store.query<{ role: string }>("SELECT role FROM users WHERE username = 'yard-guard'")).rows[0]?.role).toBe('operator');
    await page.getByRole('button', { name: 'Disable yard-guard' }).click();
    await page.getByRole('button', { name: 'Enable yard-guard' }).waitFor();
    expect((await store.query<{ disabled: boolean }>("SELECT disabled FROM users WHERE username = 'yard-guard'")).rows[0]?.disabled).toBe(true);

    // a phone lost: the admin resets the second factor, and the user enrols again at the next sign-in
    await store.query("UPDATE users SET mfa_enabled = true, mfa_secret = 'JBSWY3DPEHPK3PXP' WHERE username = 'yard-guard'");
    await page.reload();
    await page.getByRole('button', { name: 'Reset two-factor sign-in of yard-guard' }).click();
    await page.getByRole('button', { name: /^Confirm: yard-guard enrols/ }).click();
    await expect.poll(async () => (await store.query<{ mfa_enabled: boolean }>("SELECT mfa_enabled FROM users WHERE username = 'yard-guard'")).rows[0]?.mfa_enabled).toBe(false);
    await page.getByRole('button', { name: 'Reset two-factor sign-in of yard-guard' }).waitFor({ state: 'detached' });
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'settings-users');
  }, 120_000);

  it('creates and revokes an API key, shows the account\'s sessions and second factor, and the system health', async () => {
    const { store } = box.running.ctx;
    await page.goto(`${box.url}/settings/apikeys`);
    await page.getByLabel('Name').fill('gate-gateway');
    await page.getByLabel('Role', { exact: true }).selectOption('viewer');
    await page.getByRole('button', { name: 'Create key' }).click();
    const key = (await page.getByTestId('new-api-key').textContent())!;
    expect(key).toMatch(/^vgl_/);
    // the key works, with its role
    expect((await fetch(`${box.url}/api/v1/cameras`, { headers: { 'x-api-key': key } })).status).toBe(200);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'settings-apikeys');
    // a stray press does not revoke: the second, on Confirm, does
    await page.getByRole('button', { name: 'Revoke gate-gateway' }).click();
    expect((await fetch(`${box.url}/api/v1/cameras`, { headers: { 'x-api-key': key } })).status).toBe(200);
    await page.getByRole('button', { name: 'Confirm: Revoke gate-gateway' }).click();
    await expect.poll(async () => (await fetch(`${box.url}/api/v1/cameras`, { headers: { 'x-api-key': key } })).status).toBe(401);
    expect((await store.query<{ revoked: boolean }>("SELECT revoked_at IS NOT NULL AS revoked FROM api_keys WHERE name = 'gate-gateway'")).rows[0]?.revoked).toBe(true);

    await page.goto(`${box.url}/account`);
    await page.getByRole('heading', { name: 'My sessions' }).waitFor();
    await page.getByRole('cell', { name: 'this browser' }).waitFor();
    await page.getByText('On: you sign in with a code from your authenticator app.').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);

    await page.goto(`${box.url}/settings/system`);
    await page.getByTestId('health-status').waitFor();
    expect(['healthy', 'degraded', 'critical']).toContain(await page.getByTestId('health-status').textContent());
    await page.getByRole('row', { name: /^api\b/ }).first().waitFor();
    await page.getByRole('heading', { name: 'Storage' }).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await shot(page, 'settings-system');
  }, 120_000);

  it('a viewer scoped to one camera sees the analytics of that camera only', async () => {
    const own = await launchBrowser();
    const viewerPage = await own.page();
    await signInThroughForm(viewerPage, box.url, await box.user('viewer', { cameras: ['cam_001'] }));
    await viewerPage.goto(`${box.url}/analytics`);
    await viewerPage.getByRole('heading', { name: 'Alert response times' }).waitFor();
    await viewerPage.getByTestId('daily-report').waitFor();
    // cam_003 is not theirs: its alert is not counted, and it is offered nowhere
    expect(await viewerPage.getByRole('row', { name: /Camera cam_003/ }).count()).toBe(0);
    expect(await viewerPage.getByLabel('Heat map camera').locator('option').evaluateAll((os) => os.map((o) => (o as HTMLOptionElement).value))).toEqual(['cam_001']);
    expect(await viewerPage.getByTestId('daily-report').getByRole('cell', { name: 'cam_003' }).count()).toBe(0);
    expect(await seriousA11yViolations(viewerPage)).toEqual([]);
    await own.close();
  }, 120_000);
});
