import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sampleTrigger } from '../../src/alerts/test-fixtures.ts';
import { resolveConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/core/log.ts';
import { startApiRole } from '../../src/roles/api.ts';
import { closeContext, openContext, type RoleContext } from '../../src/roles/context.ts';
import { trackEventKey } from '../../src/analytics/track-events.ts';
import { createUser, type Credentials } from '../fixtures/api-auth.ts';
import { freePort } from '../fixtures/free-port.ts';
import { hasChromium, launchBrowser, type Browser } from '../fixtures/browser.ts';
import { seriousA11yViolations, signInThroughForm } from '../fixtures/dashboard.ts';
import { until } from '../fixtures/until.ts';

const skip = hasChromium() ? false : 'needs Debian chromium (/usr/bin/chromium)';
const CAMERA = 'cam_a';
// real photos: the face library's own sample sheet (a row of portraits along its top edge)
const SAMPLE_SHEET = 'node_modules/@vladmandic/human/assets/samples.jpg';
const PORTRAITS = { suit: { left: 328, width: 208 }, blonde: { left: 165, width: 144 } };
const SCREENSHOTS = 'docs/screenshots';
// a frame of the sample footage (a campus path) with a person walking at this box
const WALKER: [number, number, number, number] = [612, 262, 656, 372];

const cameraFrame = async () => (await promisify(execFile)('ffmpeg', ['-loglevel', 'error', '-ss', '20', '-i', '.cache/samples/vtest.avi', '-frames:v', '1', '-f', 'image2pipe', '-c:v', 'mjpeg', '-'],
  { encoding: 'buffer', maxBuffer: 16 << 20 })).stdout;

const portrait = (p: keyof typeof PORTRAITS) => sharp(SAMPLE_SHEET).extract({ top: 0, height: 157, ...PORTRAITS[p] })
  .resize({ width: PORTRAITS[p].width * 3 }).jpeg().toBuffer();

/**
 * The alerts inbox, events and face search in a browser against the real API (PGlite, the built
 * dashboard, /ws/alerts): alerts are written as the analytics role writes them, faces as the
 * inference role stores them, and people act through the pages with the keyboard.
 */
describe.skipIf(skip)('dashboard: alerts inbox, face search', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-dashboard-alerts-'));
  let ctx: RoleContext;
  let api: { url: string; stop(): Promise<void> };
  let browser: Browser;
  let operator: Credentials;
  let frame: Buffer;
  let n = 0;

  /** a loitering alert with its snapshot and subject box, as the rules engine records it */
  const newAlert = async (title: string) => {
    const startedAt = new Date(Date.now() - 60_000 + ++n);
    const t = sampleTrigger({ key: `${CAMERA}:rule:loiter:${n}:${startedAt.getTime()}`, startedAt, at: new Date(), title, bbox: WALKER });
    const key = `${CAMERA}/rules/test-${n}.jpg`;
    await ctx.objects.put('snapshots', key, frame, 'image/jpeg');
    const r = await ctx.repos.alerts.recordTrigger(t, { snapshotPath: key, drawnPath: null, boxes: [{ track_id: 7, class: 'person', confidence: 0.81, bbox: t.bbox }] });
    return r.alertId!;
  };
  const alertStatus = async (id: number) => (await ctx.repos.alerts.get(id))!.status;

  beforeAll(async () => {
    const loaded = resolveConfig({
      // a fixed port: the API restarts in a test and the open page must find it again
      storage: { data_dir: root }, api: { port: await freePort() }, live: { webrtc: false },
      sites: [{ id: 'main', cameras: [{ id: CAMERA, name: 'Plaza', url: 'rtsp://127.0.0.1:1/none' }] }],
    }, 'dashboard-alerts-test', {}, root);
    ctx = await openContext(loaded, createLogger('silent'));
    await ctx.repos.cameras.upsert({ id: CAMERA, name: 'Plaza', siteId: 'main', dvrChannel: null, rtspUrl: 'rtsp://127.0.0.1:1/none', location: null, status: 'starting' });
    api = await startApiRole(ctx);
    operator = await createUser(ctx.repos, 'operator');
    browser = await launchBrowser();
    frame = await cameraFrame();
    fs.mkdirSync(SCREENSHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    if (ctx) await closeContext(ctx);
    fs.rmSync(root, { recursive: true, force: true });
  });

  /** a signed-in page whose Notification and AudioContext calls are recorded */
  const signedIn = async (who: Credentials): Promise<Page> => {
    const page = await browser.page();
    await page.context().grantPermissions(['notifications'], { origin: api.url });
    await page.addInitScript(() => {
      const w = window as unknown as { shown: string[]; beeps: number; Notification: unknown; AudioContext: { prototype: { createOscillator: () => unknown } } };
      w.shown = [];
      w.beeps = 0;
      w.Notification = class {
        static permission = 'granted';
        static requestPermission = async () => 'granted';
        onclick: unknown = null;
        constructor(title: string) { w.shown.push(title); }
      };
      const osc = w.AudioContext.prototype.createOscillator;
      w.AudioContext.prototype.createOscillator = function (this: unknown) { w.beeps++; return osc.call(this); };
    });
    await signInThroughForm(page, api.url, who);
    return page;
  };

  it('an operator receives a critical alert live, with sound and notification, and acknowledges and resolves it with the keyboard', async () => {
    const page = await signedIn(operator);
    await page.goto(`${api.url}/alerts`);
    await page.getByTestId('feed-state').getByText('Live').waitFor();
    await page.getByRole('button', { name: 'Enable alert sound & notifications' }).click();
    await page.getByRole('button', { name: 'Turn off alert sound & notifications' }).waitFor();
    const beepsBefore = await page.evaluate(() => (window as unknown as { beeps: number }).beeps);

    const id = await newAlert('Person loitering at the gate');
    const item = page.locator(`[data-alert-id="${id}"]`);
    await item.waitFor({ timeout: 30_000 });
    await until('the notification of the new critical alert', 30_000, async () =>
      ((await page.evaluate(() => (window as unknown as { shown: string[] }).shown)).includes('Critical: Person loitering at the gate') ? true : undefined));
    expect(await page.evaluate(() => (window as unknown as { beeps: number }).beeps)).toBeGreaterThan(beepsBefore);

    // j opens the newest alert; its snapshot shows the subject's box from the API's coordinates
    await page.keyboard.press('j');
    await page.waitForURL(new RegExp(`/alerts/${id}$`));
    const detail = page.getByTestId('alert-detail');
    await detail.getByText('Plaza loitering').waitFor();
    await detail.getByTestId('evidence-overlay').locator('rect').waitFor();
    expect(await detail.getByTestId('evidence-overlay').locator('rect').getAttribute('width')).toBe(String(WALKER[2] - WALKER[0]));
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}/alerts-desktop.png` });

    await page.keyboard.press('a');
    await page.locator('[data-testid="alert-detail"][data-status="ack"]').waitFor();
    expect(await alertStatus(id)).toBe('ack');

    await detail.getByTestId('alert-note').fill('guard sent, person left');
    // typed in the note, r is a letter; Esc leaves the note and r resolves with it
    await page.keyboard.press('r');
    expect(await detail.getByTestId('alert-note').inputValue()).toBe('guard sent, person leftr');
    await page.keyboard.press('Backspace');
    await page.keyboard.press('Escape');
    await page.keyboard.press('r');
    await page.locator('[data-testid="alert-detail"][data-status="resolved"]').waitFor();
    expect(await ctx.repos.alerts.get(id)).toMatchObject({ status: 'resolved', resolved_by: `user:${operator.username}`, resolve_note: 'guard sent, person left' });
    const history = detail.getByTestId('alert-history');
    await history.getByText('guard sent, person left').waitFor();
    expect(await history.locator('li').allInnerTexts()).toEqual([
      expect.stringMatching(/Triggered$/), expect.stringMatching(new RegExp(`Acknowledged by ${operator.username}$`)),
      expect.stringMatching(new RegExp(`Resolved by ${operator.username}: guard sent, person left$`)),
    ]);

    // the phone layout: the alert alone, with the way back to the list
    await page.setViewportSize({ width: 390, height: 844 });
    await detail.getByRole('link', { name: 'All alerts' }).waitFor();
    await page.screenshot({ path: `${SCREENSHOTS}/alerts-phone.png` });
    await detail.getByRole('link', { name: 'All alerts' }).click();
    await page.locator(`[data-alert-id="${id}"]`).waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}/alerts-phone-list.png` });
    await page.close();
  }, 180_000);

  it('after the API restarts, the inbox reconnects and resumes: alerts raised meanwhile arrive, with their notification', async () => {
    const page = await signedIn(operator);
    await page.goto(`${api.url}/alerts`);
    await page.getByTestId('feed-state').getByText('Live').waitFor();
    // the choice is remembered by the browser: on already when an earlier test turned it on
    const enable = page.getByRole('button', { name: 'Enable alert sound & notifications' });
    if (await enable.isVisible()) await enable.click();
    await page.getByRole('button', { name: 'Turn off alert sound & notifications' }).waitFor();
    await api.stop();
    await page.getByTestId('feed-state').getByText(/Reconnecting… \(last update \d\d:\d\d:\d\d\)/).waitFor({ timeout: 30_000 });
    const missed = [await newAlert('Raised while the API was down'), await newAlert('Also raised while the API was down')];
    api = await startApiRole(ctx);
    await page.getByTestId('feed-state').getByText('Live').waitFor({ timeout: 60_000 });
    // nothing reloads the list but the replayed changes: their arrival is the resume with since
    for (const id of missed) await page.locator(`[data-alert-id="${id}"]`).waitFor({ timeout: 30_000 });
    expect(await page.evaluate(() => (window as unknown as { shown: string[] }).shown)).toEqual(
      expect.arrayContaining(['Critical: Raised while the API was down', 'Critical: Also raised while the API was down']));
    await page.close();
  }, 180_000);

  it('the push service worker is served at /sw.js for the whole app and takes control of its pages', async () => {
    const r = await fetch(`${api.url}/sw.js`);
    expect(r.status).toBe(200);
    expect(r.headers.get('service-worker-allowed')).toBe('/');
    expect(r.headers.get('content-type')).toMatch(/javascript/);
    const page = await signedIn(operator);
    await page.goto(`${api.url}/alerts`);
    const scope = await page.evaluate(async () => (await navigator.serviceWorker.register('/sw.js', { scope: '/' })).scope);
    expect(scope).toBe(`${api.url}/`);
    await page.evaluate(() => navigator.serviceWorker.ready);
    await page.reload();
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${api.url}/sw.js`);
    await page.close();
  }, 120_000);

  it('a viewer sees the alert but no action, and its keys do nothing', async () => {
    const id = await newAlert('Person loitering at the dock');
    const page = await signedIn(await createUser(ctx.repos, 'viewer'));
    await page.goto(`${api.url}/alerts/${id}`);
    const detail = page.getByTestId('alert-detail');
    await detail.getByText('Plaza loitering').waitFor();
    for (const name of [/Acknowledge/, /Resolve/, /False positive/]) expect(await page.getByRole('button', { name }).count()).toBe(0);
    expect(await page.getByText('Keys:').count()).toBe(0);
    await page.keyboard.press('a');
    await page.keyboard.press('r');
    // a round trip after the keys: had they sent a request, it would have been answered before this one
    await page.evaluate(() => fetch('/api/v1/alerts?limit=1'));
    expect(await alertStatus(id)).toBe('new');
    await page.close();
  }, 120_000);

  it('an operator uploads a photo to face search and finds the person it shows, grouped by identity', async () => {
    const embedder = await ctx.faceEmbedder.get();
    const faceEvents: number[] = [];
    for (const [i, who] of (['suit', 'blonde'] as const).entries()) {
      const photo = await portrait(who);
      const face = await embedder.embedImage(photo);
      const eventKey = trackEventKey(CAMERA, 100 + i);
      await ctx.objects.put('snapshots', `${CAMERA}/faces-test-${i}.jpg`, photo, 'image/jpeg');
      faceEvents.push(await ctx.repos.events.upsert({
        eventKey, cameraId: CAMERA, eventType: 'detection', label: 'person', confidence: 0.9, bbox: null,
        snapshotPath: `${CAMERA}/faces-test-${i}.jpg`, startTime: new Date(), endTime: new Date(),
      }));
      await ctx.repos.faces.recordTrackFace({ cameraId: CAMERA, trackId: 100 + i, eventKey, seenAt: new Date(), embedding: face.embedding, quality: face.quality.score, bbox: face.box });
    }
    const page = await signedIn(operator);
    await page.goto(`${api.url}/faces`);
    await page.getByText('Every face search is recorded in the audit log').waitFor();
    await page.locator('input[type="file"]').setInputFiles({ name: 'suspect.jpg', mimeType: 'image/jpeg', buffer: await portrait('suit') });
    const results = page.getByTestId('face-results');
    await results.waitFor({ timeout: 60_000 });
    const best = results.getByTestId('face-group').first();
    expect(Number((await best.getByTestId('similarity').first().innerText()).replace('%', ''))).toBeGreaterThanOrEqual(99);
    await best.getByTestId('evidence-overlay').locator('rect').waitFor();
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}/faces-desktop.png`, fullPage: true });

    // an operator names the person; the name is stored on the identity
    const identityId = Number((await best.getAttribute('data-identity-id'))!);
    await best.getByLabel(`Name of person #${identityId}`).fill('Visitor in a suit');
    await best.getByRole('button', { name: 'Save name' }).click();
    await results.getByRole('heading', { name: /Visitor in a suit/ }).waitFor();
    expect((await ctx.repos.faces.getIdentity(identityId))?.person_name).toBe('Visitor in a suit');

    // "find this face" from the event of the person's track: every other face, ranked
    await page.goto(`${api.url}/events/${faceEvents[0]}`);
    await page.getByRole('link', { name: 'Find this face' }).click();
    await page.waitForURL(/\/faces\?embedding=\d+$/);
    await page.getByTestId('face-results').getByTestId('face-group').first().waitFor();
    expect(await page.getByTestId('face-results').getByText('Visitor in a suit').count()).toBe(0);
    await page.close();
  }, 180_000);

  it('events: filters in the URL, older pages loaded by scrolling, a track drawn on its snapshot', async () => {
    await ctx.objects.put('snapshots', `${CAMERA}/walker.jpg`, frame, 'image/jpeg');
    const start = Date.now() - 3_600_000;
    // 60 older events (more than a page), then the walker, whose path is kept a point a second
    for (let i = 0; i < 60; i++) {
      await ctx.repos.events.upsert({ eventKey: trackEventKey(CAMERA, 1000 + i), cameraId: CAMERA, eventType: 'detection', label: 'car', confidence: 0.7, bbox: null, snapshotPath: null, startTime: new Date(start + i * 1000), endTime: null });
    }
    const walker = trackEventKey(CAMERA, 5000);
    let walkerId = 0;
    for (let s = 0; s < 5; s++) {
      const box: [number, number, number, number] = [WALKER[0] - 40 * (4 - s), WALKER[1] - 20 * (4 - s), WALKER[2] - 40 * (4 - s), WALKER[3] - 20 * (4 - s)];
      walkerId = await ctx.repos.events.upsert({
        eventKey: walker, cameraId: CAMERA, eventType: 'detection', label: 'person', confidence: 0.8, bbox: box, newView: s === 4,
        snapshotPath: s === 4 ? `${CAMERA}/walker.jpg` : null, startTime: new Date(start + 100_000 + s * 1000), endTime: new Date(start + 100_000 + s * 1000),
        trackPoint: [start + 100_000 + s * 1000, (box[0] + box[2]) / 2, (box[1] + box[3]) / 2],
      });
    }
    const page = await signedIn(await createUser(ctx.repos, 'viewer'));
    await page.goto(`${api.url}/events?class=car`);
    const list = page.getByTestId('event-list');
    await list.locator('li').first().waitFor();
    expect(await list.locator('li').count()).toBe(50);
    await list.locator('li').last().scrollIntoViewIfNeeded();
    await page.getByText('No older events.').waitFor();
    expect(await list.locator('li').count()).toBe(60);
    expect(await list.getByText('person').count()).toBe(0);

    await page.getByLabel('Class').selectOption('person');
    await page.waitForURL(/class=person/);
    await list.locator(`a[href^="/events/${walkerId}"]`).click();
    const detail = page.getByTestId('event-detail');
    await detail.getByTestId('evidence-overlay').locator('polyline').waitFor();
    expect((await detail.getByTestId('evidence-overlay').locator('polyline').getAttribute('points'))!.split(' ')).toHaveLength(5);
    expect(await seriousA11yViolations(page)).toEqual([]);
    await page.screenshot({ path: `${SCREENSHOTS}/events-desktop.png` });
    await page.reload();
    await detail.getByTestId('evidence-overlay').locator('polyline').waitFor();
    await page.close();
  }, 180_000);
});
