import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasChromium, launchBrowser, type Browser } from '../fixtures/browser.ts';
import { saveScreenshot, seriousA11yViolations, signInThroughForm, startOneBox, type OneBox } from '../fixtures/dashboard.ts';

const skip = hasChromium() ? false : 'needs Debian chromium (/usr/bin/chromium)';

/**
 * The settings pages against the real one box: an admin draws a zone on what a camera sees now,
 * drafts a 10 s loitering rule in it, dry-runs it against the stored detections and saves it.
 */
describe.skipIf(skip)('settings: zones and rules in the browser', () => {
  let box: OneBox;
  let browser: Browser;

  beforeAll(async () => {
    box = await startOneBox({ channels: 1 });
    browser = await launchBrowser();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await box?.stop();
  });

  it('draws a zone on the snapshot, creates a 10 s loitering rule, dry-runs it and saves it', async () => {
    const page = await browser.page();
    await page.setViewportSize({ width: 1400, height: 1000 });
    await signInThroughForm(page, box.url, await box.user('admin'));

    await page.goto(`${box.url}/settings/zones?camera=cam_001`);
    await page.getByRole('heading', { name: 'Zones and lines' }).waitFor();
    // the camera's newest frame, once the edge role has decoded one (the page asks again until then)
    const snapshot = page.getByRole('img', { name: 'What camera cam_001 sees now' });
    await expect.poll(async () => ((await snapshot.count()) ? snapshot.evaluate((img: HTMLImageElement) => img.naturalWidth).catch(() => 0) : 0), { timeout: 90_000, interval: 1000 }).toBeGreaterThan(0);
    await page.getByLabel('Zone id').fill('gate_area');
    await page.getByLabel('Name', { exact: true }).fill('Gate area');
    const canvas = page.getByTestId('snapshot-canvas');
    const box2 = (await canvas.boundingBox())!;
    for (const [fx, fy] of [[0.2, 0.3], [0.8, 0.3], [0.8, 0.95], [0.2, 0.95]] as const) await page.mouse.click(box2.x + fx * box2.width, box2.y + fy * box2.height);
    await page.getByLabel('Point 4 x').waitFor();
    // the keyboard way: a point typed as numbers
    const x1 = Number(await page.getByLabel('Point 1 x').inputValue());
    expect(x1).toBeGreaterThan(0);
    await page.getByLabel('Point 1 x').fill(String(x1 + 1));
    expect(await seriousA11yViolations(page)).toEqual([]);
    await saveScreenshot(page, 'settings-zones');
    await page.getByRole('button', { name: 'Save zone' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved zone gate_area (version 1)' }).waitFor();

    await page.goto(`${box.url}/settings/rules?camera=cam_001`);
    await page.getByLabel('Rule id').fill('loiter_gate');
    await page.getByLabel('Rule name').fill('Loitering at the gate');
    await page.getByLabel('Type').selectOption('loitering');
    await page.getByLabel('Zone').selectOption('gate_area');
    await page.getByLabel('Seconds').fill('10');
    await page.getByRole('button', { name: 'Dry run' }).click();
    const result = page.getByTestId('dry-run-result');
    await result.waitFor({ timeout: 60_000 });
    expect(await result.textContent()).toMatch(/Would have fired \d+ times? in the last 24 hours \(\d+ analysed frames replayed/);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await saveScreenshot(page, 'settings-rules');
    await page.getByRole('button', { name: 'Save rule' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved rule loiter_gate (version 1)' }).waitFor();
    await page.getByRole('button', { name: 'Edit rule loiter_gate' }).waitFor();

    const system = { kind: 'system', id: 0, name: 'test', cameras: null } as const;
    const stored = await box.running.ctx.settings.get(system, { kind: 'rule', scope: 'cam_001', id: 'loiter_gate' });
    expect(stored).toMatchObject({ updated_by: expect.stringMatching(/^user:/), definition: { type: 'loitering', zone: 'gate_area', name: 'Loitering at the gate', params: { seconds: 10 } } });
    const zone = await box.running.ctx.settings.get(system, { kind: 'zone', scope: 'cam_001', id: 'gate_area' });
    expect((zone.definition as { polygon: number[][] }).polygon).toHaveLength(4);
    await page.close();
  }, 240_000);
});
