/**
 * Notification channels against real servers: an SMTP server (smtp-server), a Debian mosquitto
 * broker and subscriber, and a local HTTPS "push service" receiving what web-push encrypted.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rootLogger } from '../../src/core/log.ts';
import { createEmailChannel } from '../../src/notify/channels/email.ts';
import { connectivityDiscoveryConfig, createMqttChannel, discoveryConfig, type CameraAlertState } from '../../src/notify/channels/mqtt.ts';
import type { CameraStatus } from '../../src/core/camera-status.ts';
import { createPushChannel, generateVapidKeys } from '../../src/notify/channels/push.ts';
import { ChannelError, type Channel } from '../../src/notify/channels/types.ts';
import { renderNotification, SNAPSHOT_CID } from '../../src/notify/render.ts';
import { alertMessage } from '../../src/notify/test-helpers.ts';
import { browserPushKeys, memoryPushSubscriptions } from '../fixtures/push-subscriptions.ts';
import { hasMosquitto, startMosquitto, type Mosquitto } from '../fixtures/mosquitto.ts';
import { startSmtpServer, type SmtpFixture } from '../fixtures/smtp.ts';
import { until } from '../fixtures/until.ts';

const log = rootLogger.child({ component: 'channels-test' });
const failure = (p: Promise<void>) => p.then(() => undefined, (e: unknown) => e as ChannelError);

describe('email channel (real SMTP server)', () => {
  let smtp: SmtpFixture;
  let snapshot: Buffer;
  const PASSWORD = 'smtp-pass-7f3a';
  beforeAll(async () => {
    smtp = await startSmtpServer({ rejectRecipients: ['nobody@example.com'], auth: { user: 'vigil', pass: PASSWORD } });
    snapshot = await sharp({ create: { width: 32, height: 24, channels: 3, background: '#c00' } }).jpeg().toBuffer();
  });
  afterAll(async () => smtp?.close());

  const channel = (o: { port?: number; password?: string } = {}) => createEmailChannel({
    host: '127.0.0.1', port: o.port ?? smtp.port, secure: false, username: 'vigil', password: o.password ?? PASSWORD, from: 'Vigil <vigil@example.com>', timeoutMs: 3000,
  });

  it('delivers the HTML with the link and the snapshot attached inline', async () => {
    const n = renderNotification(alertMessage({ alert_id: 31, camera_name: 'Plaza', event_url: 'http://vigil.local:8080/events/31' }), { timezone: 'Europe/Berlin', snapshot });
    const ch = channel();
    await ch.send(n, { kind: 'email', address: 'guard@example.com' });
    await ch.close();
    const [got] = await smtp.waitFor(1);
    expect(got!.to).toEqual(['guard@example.com']);
    expect(got!.mail.subject).toBe(n.subject);
    expect(got!.mail.html).toContain('href="http://vigil.local:8080/events/31"');
    expect(got!.mail.html).toContain(`src="cid:${SNAPSHOT_CID}"`);
    expect(got!.mail.text).toContain('Open the event: http://vigil.local:8080/events/31');
    const [att] = got!.mail.attachments;
    expect(att).toMatchObject({ contentType: 'image/jpeg', filename: 'alert-31.jpg', cid: SNAPSHOT_CID });
    expect(att!.content.equals(snapshot)).toBe(true);
  });

  it('a rejected recipient or bad credentials are not retryable; an unreachable server is', async () => {
    const n = renderNotification(alertMessage(), { timezone: 'UTC' });
    const rejected = await failure(channel().send(n, { kind: 'email', address: 'nobody@example.com' }));
    expect(rejected).toBeInstanceOf(ChannelError);
    expect(rejected).toMatchObject({ retryable: false, message: expect.stringContaining('no such user') });
    const badLogin = await failure(channel({ password: 'wrong-password-x' }).send(n, { kind: 'email', address: 'guard@example.com' }));
    expect(badLogin).toMatchObject({ retryable: false, message: expect.stringContaining('535') });
    const closed = await startSmtpServer();
    const port = closed.port;
    await closed.close();
    const down = await failure(channel({ port }).send(n, { kind: 'email', address: 'guard@example.com' }));
    expect(down).toMatchObject({ retryable: true, message: expect.stringContaining(`SMTP 127.0.0.1:${port}`) });
    for (const e of [rejected, badLogin, down]) expect(e!.message).not.toContain(PASSWORD);
  });
});

const hasOpenssl = spawnSync('openssl', ['version']).status === 0;
if (!hasOpenssl) console.warn('skipping web push channel test: openssl not found (self-signed push service)');

describe.skipIf(!hasOpenssl)('web push channel (local HTTPS push service)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-push-'));
  const requests: Array<{ url?: string; headers: Record<string, string | string[] | undefined>; body: Buffer }> = [];
  let server: https.Server;
  let base = '';
  let cert: Buffer;

  beforeAll(async () => {
    const r = spawnSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(dir, 'key.pem'), '-out', path.join(dir, 'cert.pem')], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
    cert = fs.readFileSync(path.join(dir, 'cert.pem'));
    server = https.createServer({ key: fs.readFileSync(path.join(dir, 'key.pem')), cert }, (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        requests.push({ url: req.url, headers: req.headers, body: Buffer.concat(chunks) });
        res.writeHead(req.url?.startsWith('/gone') ? 410 : 201).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('sends an encrypted payload with the VAPID Authorization to each subscription; 410 removes one', async () => {
    const vapid = generateVapidKeys();
    const repo = memoryPushSubscriptions();
    const now = new Date();
    await repo.upsert({ user: 'guard', endpoint: `${base}/push/abc`, keys: browserPushKeys() }, now);
    await repo.upsert({ user: 'guard', endpoint: `${base}/gone/def`, keys: browserPushKeys() }, now);
    const ch = createPushChannel({ subject: 'mailto:ops@example.com', publicKey: vapid.publicKey, privateKey: vapid.privateKey, subscriptions: repo, timeoutMs: 3000, log, agent: new https.Agent({ ca: cert }) });
    const n = renderNotification(alertMessage({ alert_id: 77, title: 'Person in Yard at night' }), { timezone: 'UTC' });
    await ch.send(n, { kind: 'push', user: 'guard' });
    const push = requests.find((r) => r.url === '/push/abc')!;
    expect(push.headers.authorization).toMatch(new RegExp(`^vapid t=[\\w-]+\\.[\\w-]+\\.[\\w-]+, k=${vapid.publicKey}$`));
    expect(push.headers['content-encoding']).toBe('aes128gcm');
    expect(push.headers.urgency).toBe('high');
    expect(Number(push.headers.ttl)).toBeGreaterThan(0);
    expect(push.body.length).toBeGreaterThan(100);
    expect(push.body.toString('latin1')).not.toContain('Person in Yard');
    expect(requests.some((r) => r.url === '/gone/def')).toBe(true);
    expect(repo.rows.map((r) => r.endpoint)).toEqual([`${base}/push/abc`]);

    const none = await failure(ch.send(n, { kind: 'push', user: 'boss' }));
    expect(none).toMatchObject({ retryable: false, message: 'push: user "boss" has no push subscriptions' });
  });

  it('rejects malformed VAPID keys at creation without echoing them', () => {
    expect(() => createPushChannel({ subject: 'mailto:ops@example.com', publicKey: 'short', privateKey: 'secret-private', subscriptions: memoryPushSubscriptions(), timeoutMs: 1000, log }))
      .toThrow(/public key/);
  });
});

if (!hasMosquitto()) console.warn('skipping MQTT channel test: mosquitto not found (apt-get install mosquitto)');

describe.skipIf(!hasMosquitto())('MQTT channel (real mosquitto)', () => {
  let broker: Mosquitto;
  let sub: MqttClient;
  const got: Array<{ topic: string; payload: string; retain: boolean }> = [];
  const channels: Channel[] = [];
  beforeAll(async () => {
    broker = await startMosquitto();
  });
  afterAll(async () => {
    for (const c of channels) await c.close();
    await sub?.endAsync(true);
    await broker?.close();
  });

  const channel = () => {
    const c = createMqttChannel({ url: broker.url, prefix: 'vigil', discovery: true, discoveryPrefix: 'homeassistant', cameras: [{ id: 'cam_001', name: 'Plaza' }], timeoutMs: 1500, log });
    channels.push(c);
    return c;
  };
  const message = (topic: string, payload?: string) => until(`MQTT ${topic}${payload ? ` = ${payload}` : ''}`, 10_000, () => got.find((m) => m.topic === topic && (!payload || m.payload === payload)), 50);

  it('publishes availability and discovery (retained), then the alert on events and the camera state', async () => {
    const ch = channel();
    const n = renderNotification(alertMessage({ alert_id: 88, camera_id: 'cam_001' }), { timezone: 'UTC' });
    await ch.send(n, { kind: 'mqtt' });
    // a subscriber that connects afterwards gets the retained messages from the broker
    sub = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    sub.on('message', (topic, payload, packet) => got.push({ topic, payload: payload.toString(), retain: packet.retain }));
    await sub.subscribeAsync(['vigil/#', 'homeassistant/#'], { qos: 1 });
    expect(await message('vigil/availability', 'online')).toMatchObject({ retain: true });
    const discovery = await message('homeassistant/binary_sensor/vigil_cam_001_alert/config');
    expect(discovery.retain).toBe(true);
    expect(JSON.parse(discovery.payload)).toEqual(discoveryConfig({ prefix: 'vigil' }, { id: 'cam_001', name: 'Plaza' }));
    expect(JSON.parse(discovery.payload)).toMatchObject({ availability_topic: 'vigil/availability', state_topic: 'vigil/cameras/cam_001/state' });
    const state = await message('vigil/cameras/cam_001/state');
    expect(state.retain).toBe(true);
    expect(JSON.parse(state.payload) as CameraAlertState).toMatchObject({ state: 'ON', alert_id: 88, severity: 'critical' });

    await ch.send(renderNotification(alertMessage({ alert_id: 89, camera_id: 'cam_001' }), { timezone: 'UTC' }), { kind: 'mqtt' });
    const event = await until('event 89', 10_000, () => got.find((m) => m.topic === 'vigil/events' && JSON.parse(m.payload).alert_id === 89), 50);
    expect(JSON.parse(event.payload)).toEqual(alertMessage({ alert_id: 89, camera_id: 'cam_001' }));
    expect(event.retain).toBe(false);

    await ch.close();
    await message('vigil/availability', 'offline');
  });

  it('publishes each camera\'s stream connectivity (retained) when it changes, with its discovery config', async () => {
    const statuses = new Map<string, Pick<CameraStatus, 'connected'>>([['cam_001', { connected: true }]]);
    const ch = createMqttChannel({
      url: broker.url, prefix: 'conn', discovery: true, discoveryPrefix: 'ha', cameras: [{ id: 'cam_001', name: 'Plaza' }, { id: 'cam_002', name: 'Gate' }],
      timeoutMs: 1500, log, cameraStatus: (id) => statuses.get(id) as CameraStatus | undefined, statusIntervalMs: 50,
    });
    channels.push(ch);
    const watcher = await mqtt.connectAsync(broker.url, { reconnectPeriod: 0 });
    const seen: Array<{ topic: string; payload: string; retain: boolean }> = [];
    watcher.on('message', (topic, payload, packet) => seen.push({ topic, payload: payload.toString(), retain: packet.retain }));
    await watcher.subscribeAsync(['conn/#', 'ha/#'], { qos: 1 });
    try {
      const first = await until('cam_001 online', 10_000, () => seen.find((m) => m.topic === 'conn/cameras/cam_001/connectivity' && m.payload === 'online'), 50);
      expect(first.payload).toBe('online');
      const discovery = await until('connectivity discovery', 10_000, () => seen.find((m) => m.topic === 'ha/binary_sensor/vigil_cam_001_connectivity/config'), 50);
      expect(JSON.parse(discovery.payload)).toEqual(connectivityDiscoveryConfig({ prefix: 'conn' }, { id: 'cam_001', name: 'Plaza' }));
      statuses.set('cam_001', { connected: false });
      await until('cam_001 offline', 10_000, () => seen.find((m) => m.topic === 'conn/cameras/cam_001/connectivity' && m.payload === 'offline'), 50);
      // unchanged states are not re-sent; a camera unknown in this process is not announced
      await new Promise((r) => setTimeout(r, 300));
      expect(seen.filter((m) => m.topic === 'conn/cameras/cam_001/connectivity').map((m) => m.payload)).toEqual(['online', 'offline']);
      expect(seen.some((m) => m.topic === 'conn/cameras/cam_002/connectivity')).toBe(false);
    } finally {
      await watcher.endAsync(true);
    }
  });

  it('broker down: a send fails retryable, naming the broker; after it is back the send goes through', async () => {
    const ch = channel();
    const n = renderNotification(alertMessage({ alert_id: 90, camera_id: 'cam_001' }), { timezone: 'UTC' });
    await ch.send(n, { kind: 'mqtt' });
    await sub.endAsync(true);
    await broker.stop();
    const down = await failure(ch.send(n, { kind: 'mqtt' }));
    expect(down).toBeInstanceOf(ChannelError);
    expect(down).toMatchObject({ retryable: true, message: expect.stringContaining(`MQTT broker 127.0.0.1:${broker.port}`) });
    await broker.start();
    await until('the MQTT channel to reconnect and send', 15_000, () => ch.send(n, { kind: 'mqtt' }).then(() => true, () => undefined), 200);
  });
});
