/**
 * WebRTC live view end to end: DVR simulator (RTSP) → ffmpeg (copy → RTP, as the camera worker
 * does) → RtpFanout → WHEP → headless Chromium playing the H.264 without any transcoding.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApi } from '../../src/api/server.ts';
import type { ResolvedCamera } from '../../src/config/load.ts';
import { Health } from '../../src/core/health.ts';
import { createLogger } from '../../src/core/log.ts';
import { ensureSample } from '../../src/dvr-sim/sample.ts';
import { startDvrSim, type DvrSim } from '../../src/dvr-sim/server.ts';
import { CameraFeed } from '../../src/media/feed/camera-feed.ts';
import { WebRtcManager } from '../../src/media/webrtc/manager.ts';
import type { Objects } from '../../src/objects/port.ts';
import type { Store } from '../../src/store/port.ts';
import type { Repositories } from '../../src/store/repositories/types.ts';
import { CHROMIUM, hasChromium, launchBrowser, videoState, type Browser } from '../fixtures/browser.ts';
import { until } from '../fixtures/until.ts';
import { createUser, signInApp, signInPage, TestAuth, type AuthHeaders } from '../fixtures/api-auth.ts';
import { LiveCameras } from '../../src/config/live-cameras.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
if (!hasFfmpeg) console.warn('skipping WebRTC test: ffmpeg not found');
if (!hasChromium()) console.warn(`skipping WebRTC test: chromium not found at ${CHROMIUM}`);

const log = createLogger('silent');
const camera = (id: string): ResolvedCamera => ({ id, name: id, siteId: 'site', channel: 1, stream: 0, retentionDays: 1, detect: false, url: 'rtsp://127.0.0.1/x' });
const PLAYER = path.resolve('src/api/player/webrtc.js');

/** ffmpeg copying the sim's channel 1 to RTP, exactly like the camera worker's RTP output. */
function rtpFfmpeg(rtspUrl: string, port: number, sdpPath: string): ChildProcess {
  return spawn('ffmpeg', [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-rtsp_transport', 'tcp', '-i', rtspUrl,
    '-map', '0:v:0', '-c', 'copy', '-f', 'rtp', '-payload_type', '96', '-sdp_file', sdpPath, `rtp://127.0.0.1:${port}`,
  ], { stdio: 'ignore' });
}


describe.skipIf(!hasFfmpeg || !hasChromium())('WebRTC live view (WHEP)', () => {
  let dir: string;
  let sim: DvrSim;
  let ffmpeg: ChildProcess;
  let feed: CameraFeed;
  let manager: WebRtcManager;
  let app: FastifyInstance;
  let api: string;
  let browser: Browser;
  let auth: TestAuth;
  /** a viewer's bearer header (the browser signs in with the same account and uses the cookie) */
  let viewer: AuthHeaders;
  const whep = (id: string) => `${api}/api/v1/cameras/${id}/whep`;

  /** a page on the API's origin with the player module loaded as window.player */
  async function playerPage(): Promise<Page> {
    const page = await browser.page();
    await page.goto(`${api}/api/v1/openapi.json`);
    // the module as the player page loads it; it publishes its export for page.evaluate
    const source = await readFile(PLAYER, 'utf8');
    await page.addScriptTag({ type: 'module', content: `${source}\nwindow.player = { startWebRtc };` });
    await page.waitForFunction(() => 'player' in window);
    await page.evaluate(() => {
      document.body.innerHTML = '<video id="v" style="width:480px;height:540px" autoplay muted playsinline></video>';
    });
    return page;
  }

  async function startViewer(page: Page, id = 'cam_001'): Promise<string> {
    return page.evaluate(async (url) => {
      const w = window as unknown as { player: { startWebRtc: (v: HTMLVideoElement, u: string) => Promise<{ sessionUrl: string; stop: () => Promise<void> }> }; viewer: unknown };
      const viewer = await w.player.startWebRtc(document.getElementById('v') as HTMLVideoElement, url);
      w.viewer = viewer;
      return viewer.sessionUrl;
    }, `/api/v1/cameras/${id}/whep`);
  }

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-webrtc-'));
    const sample = await ensureSample(undefined, log, { download: false });
    sim = await startDvrSim({ port: 0, channels: 1, main: sample.main, sub: sample.sub, log });
    feed = new CameraFeed({ port: 0, sdpPath: path.join(dir, 'cam_001.sdp'), log });
    const rtpPort = await feed.start();
    ffmpeg = rtpFfmpeg(sim.url(1), rtpPort, feed.sdpPath);
    manager = new WebRtcManager({ rtpSource: (id) => (id === 'cam_001' ? feed : undefined), maxViewersPerCamera: 2, log });
    await manager.warm('cam_001');
    auth = await TestAuth.open();
    app = buildApi({
      auth: auth.stack, cameras: new LiveCameras([camera('cam_001'), camera('cam_idle')]), webrtc: manager, log,
      repos: {} as Repositories, objects: {} as Objects, store: {} as Store, health: new Health(),
      status: () => undefined, version: 'test', startedAt: new Date(),
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address();
    api = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    const credentials = await createUser(auth.repos, 'viewer');
    viewer = { authorization: (await signInApp(app, credentials)).authorization };
    browser = await launchBrowser({ bypassCSP: true });
    const page = await browser.page();
    await signInPage(page, api, credentials);
    await page.close();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await auth?.close();
    manager?.stop();
    ffmpeg?.kill('SIGKILL');
    feed?.stop();
    await sim?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('two Chromium viewers play the camera from one upstream', async () => {
    const pages = [await playerPage(), await playerPage()];
    const sessions = await Promise.all(pages.map((p) => startViewer(p)));
    expect(sessions[0]).toMatch(/\/api\/v1\/cameras\/cam_001\/whep\/[0-9a-f-]{36}$/);
    expect(new Set(sessions).size).toBe(2);
    for (const page of pages) {
      const first = await videoState(page, '#v');
      expect(first.videoWidth).toBe(960);
      expect(first.videoHeight).toBe(1080);
      const later = await until('the video to advance', 10_000, async () => {
        const s = await videoState(page, '#v');
        return s.currentTime > first.currentTime + 1 ? s : undefined;
      });
      expect(later.currentTime).toBeGreaterThan(first.currentTime);
    }
    const stats = await sharp(await pages[0]!.locator('#v').screenshot()).stats();
    expect(Math.max(...stats.channels.map((c) => c.stdev))).toBeGreaterThan(10);
    // one RTSP session at the DVR and one RTP source, whatever the number of viewers
    expect(sim.stats().playing).toBe(1);
    expect(manager.stats('cam_001')).toMatchObject({ viewers: 2 });
    expect(manager.stats('cam_001')!.upstream.packets).toBeGreaterThan(100);

    // a third viewer is over this test's limit of 2
    const full = await fetch(whep('cam_001'), { method: 'POST', headers: { ...viewer, 'content-type': 'application/sdp' }, body: await offerFrom(pages[0]!) });
    expect(full.status).toBe(503);
    expect((await full.json()).message).toMatch(/maximum/);

    // DELETE (what the player's stop() sends) tears the session down
    await pages[0]!.evaluate(() => (window as unknown as { viewer: { stop: () => Promise<void> } }).viewer.stop());
    await until('the session to go', 5_000, () => (manager.stats('cam_001')!.viewers === 1 ? true : undefined));
    expect((await fetch(`${api}${new URL(sessions[0]!).pathname}`, { method: 'DELETE', headers: viewer })).status).toBe(404);
    await Promise.all(pages.map((p) => p.close()));
    await until('closed pages to leave', 15_000, () => (manager.stats('cam_001')!.viewers === 0 ? true : undefined));
  }, 45_000);

  it('answers an offer that also asks for audio (as generic WHEP players send)', async () => {
    const page = await playerPage();
    const { status, answer, location } = await page.evaluate(async (url) => {
      const pc = new RTCPeerConnection();
      pc.addTransceiver('audio', { direction: 'recvonly' });
      pc.addTransceiver('video', { direction: 'recvonly' });
      await pc.setLocalDescription(await pc.createOffer());
      // the page's session cookie authenticates it; a POST also sends the CSRF cookie's value
      const csrf = /vigil_csrf=([^;]+)/.exec(document.cookie)?.[1] ?? '';
      const r = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/sdp', 'x-csrf-token': csrf }, body: pc.localDescription!.sdp });
      const sdp = await r.text();
      // Chromium accepts the answer: its video section matches what it offered
      if (r.status === 201) await pc.setRemoteDescription({ type: 'answer', sdp });
      pc.close();
      return { status: r.status, answer: sdp, location: r.headers.get('location') };
    }, '/api/v1/cameras/cam_001/whep');
    expect(status, answer).toBe(201);
    expect(answer).toMatch(/a=fmtp:\d+ .*profile-level-id=4d4020/i);
    expect(answer).toMatch(/m=audio 9 /);
    // Chromium offers the playout-delay extension; the answer keeps it so that frames render at once
    expect(answer).toMatch(/^a=extmap:\d+ http:\/\/www\.webrtc\.org\/experiments\/rtp-hdrext\/playout-delay\r?$/m);
    expect((await fetch(`${api}${location}`, { method: 'DELETE', headers: viewer })).status).toBe(204);
    await page.close();
  });

  it('refuses what it cannot serve, with a reason', async () => {
    const page = await playerPage();
    const offer = await offerFrom(page);
    await page.close();
    const post = (id: string, body: string, type = 'application/sdp') => fetch(whep(id), { method: 'POST', headers: { ...viewer, 'content-type': type }, body });

    const unknown = await post('nope', offer);
    expect(unknown.status).toBe(404);
    const idle = await post('cam_idle', offer);
    expect(idle.status).toBe(503);
    expect((await idle.json()).message).toMatch(/no live feed/);

    const json = await post('cam_001', JSON.stringify({ sdp: offer }), 'application/json');
    expect(json.status).toBe(415);
    expect((await json.json()).message).toMatch(/application\/sdp/);
    const garbage = await post('cam_001', 'hello');
    expect(garbage.status).toBe(400);
    expect((await garbage.json()).message).toMatch(/not an SDP offer/);
    const noVideo = await post('cam_001', offer.replace(/m=video/g, 'm=audio'));
    expect(noVideo.status).toBe(400);
    const vp8Only = await post('cam_001', offer.replace(/H264\/90000/g, 'VP8/90000'));
    expect(vp8Only.status).toBe(400);
    expect((await vp8Only.json()).message).toMatch(/main profile/);

    const session = `${whep('cam_001')}/00000000-0000-4000-8000-000000000000`;
    expect((await fetch(session, { method: 'PATCH', headers: { ...viewer, 'content-type': 'application/trickle-ice-sdpfrag' }, body: 'a=x' })).status).toBe(405);
    expect((await fetch(session, { method: 'DELETE', headers: viewer })).status).toBe(404);
  });

  it('frees the viewer slots of failed negotiations, of DELETE and of sessions that never connect', async () => {
    const page = await playerPage();
    const offer = await offerFrom(page);
    await page.close();
    const post = (body: string) => fetch(whep('cam_001'), { method: 'POST', headers: { ...viewer, 'content-type': 'application/sdp' }, body });
    // without ICE credentials and fingerprint the connection fails while the answer is made
    const failing = offer.split('\r\n').filter((l) => !/^a=(ice-ufrag|ice-pwd|fingerprint|setup|candidate):/.test(l)).join('\r\n');
    for (let i = 0; i < 5; i++) {
      const r = await post(failing);
      expect(r.status).toBe(400);
      expect((await r.json()).message).toMatch(/could not be negotiated|rejected/);
    }
    expect(manager.stats('cam_001')?.viewers).toBe(0);
    // the page that made this offer is gone: these sessions never connect
    const first = await post(offer);
    const second = await post(offer);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect((await post(offer)).status).toBe(503);
    expect((await fetch(new URL(first.headers.get('location')!, api), { method: 'DELETE', headers: viewer })).status).toBe(204);
    expect(manager.stats('cam_001')?.viewers).toBe(1);
    // the other one expires by itself
    await until('the never-connected session expired', 40_000, () => (manager.stats('cam_001')?.viewers === 0 ? true : undefined));
    expect((await post(offer)).status).toBe(201);
  }, 60_000);
});

/** A recvonly H.264 offer as Chromium makes it (with its host candidates). */
function offerFrom(page: Page): Promise<string> {
  return page.evaluate(async () => {
    const pc = new RTCPeerConnection();
    pc.addTransceiver('video', { direction: 'recvonly' });
    await pc.setLocalDescription(await pc.createOffer());
    const sdp = pc.localDescription!.sdp;
    pc.close();
    return sdp;
  });
}
