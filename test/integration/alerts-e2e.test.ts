/**
 * The alert path end to end on the real clip, one-box shape: DVR simulator (vtest) → every role →
 * a loitering rule (10 s) on the plaza → alert → a real SMTP server, a webhook receiver that checks
 * the signature, a Twilio-compatible SMS API, a real mosquitto broker with a mosquitto_sub
 * subscriber, and /ws/alerts (with a forced disconnect and resume). Then the failure paths: SMTP
 * down → retries → dead letter → manual retry delivers; the SMS rate limit; escalation after an
 * advanced clock.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createHmac, timingSafeEqual } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/alerts/clock.ts';
import { resolveConfig } from '../../src/config/load.ts';
import { createLogger } from '../../src/core/log.ts';
import { ensureSample, samplePlazaPolygon } from '../../src/dvr-sim/sample.ts';
import { startDvrSim, type DvrSim } from '../../src/dvr-sim/server.ts';
import { ROLES } from '../../src/roles/names.ts';
import { startRoles, type Running } from '../../src/roles/run.ts';
import { authHeaders, type AuthHeaders } from '../fixtures/api-auth.ts';
import { AlertFeedClient } from '../fixtures/alert-feed.ts';
import { hasMosquitto, startMosquitto, type Mosquitto } from '../fixtures/mosquitto.ts';
import { startSmtpServer, type SmtpFixture } from '../fixtures/smtp.ts';
import { startTcpRelay, type TcpRelay } from '../fixtures/tcp-relay.ts';
import { until } from '../fixtures/until.ts';

const hasFfmpeg = spawnSync('ffmpeg', ['-version']).status === 0;
const hasSample = existsSync(path.resolve('.cache/samples/vtest.avi'));
if (!hasFfmpeg) console.warn('skipping alerts e2e test: ffmpeg not found');
if (hasFfmpeg && !hasSample) console.warn('skipping alerts e2e test: sample clip .cache/samples/vtest.avi not found (run npm run fetch-sample)');
const hasBroker = hasMosquitto() && spawnSync('mosquitto_sub', ['--help']).error === undefined;
if (!hasBroker) console.warn('skipping alerts e2e test: mosquitto or mosquitto_sub not found (apt-get install mosquitto mosquitto-clients)');

const log = createLogger('silent');
const CAMERA = 'cam_plaza';
const PASSWORD = 'E2e-Alerts-9';
const WEBHOOK_SECRET = 'hook-secret-e2e-42';
const SMS = { sid: 'AC0e2e', token: 'sms-token-e2e-42', from: '+15550000001' };
const GUARD = { email: 'guard@site.test', phone: '+15550000002' };
const BOSS = 'boss@site.test';
const CHANNEL_SECRETS = { VIGIL_WEBHOOK_OPS_SECRET: WEBHOOK_SECRET, VIGIL_SMS_AUTH_TOKEN: SMS.token };
// links in notifications are built from api.public_url
const PUBLIC_URL = 'https://vigil.site.test';

interface HttpHit {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** An HTTP server on 127.0.0.1 that keeps every request and answers `status` with `reply`. */
async function startReceiver(status: number, reply: object): Promise<{ url: string; hits: HttpHit[]; close(): Promise<void> }> {
  const hits: HttpHit[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      hits.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** A real mosquitto subscriber (mosquitto_sub -v): every message as topic and payload. */
function subscribe(port: number, topics: string[]): { child: ChildProcess; messages: Array<{ topic: string; payload: string }> } {
  const child = spawn('mosquitto_sub', ['-h', '127.0.0.1', '-p', String(port), '-v', ...topics.flatMap((t) => ['-t', t])], { stdio: ['ignore', 'pipe', 'ignore'] });
  const messages: Array<{ topic: string; payload: string }> = [];
  let partial = '';
  child.stdout!.on('data', (d: Buffer) => {
    const lines = (partial + d.toString()).split('\n');
    partial = lines.pop()!;
    for (const line of lines) {
      const space = line.indexOf(' ');
      messages.push({ topic: line.slice(0, space), payload: line.slice(space + 1) });
    }
  });
  return { child, messages };
}

const verifySignature = (hit: HttpHit): boolean => {
  const expected = Buffer.from(`sha256=${createHmac('sha256', WEBHOOK_SECRET).update(hit.body).digest('hex')}`);
  const got = Buffer.from(String(hit.headers['x-vigil-signature'] ?? ''));
  return got.length === expected.length && timingSafeEqual(got, expected);
};

describe.skipIf(!hasFfmpeg || !hasSample || !hasBroker)('alerts end to end on the real clip', () => {
  let dir: string;
  let sim: DvrSim;
  let running: Running;
  let api: string;
  let smtp: SmtpFixture;
  let relay: TcpRelay;
  let webhook: Awaited<ReturnType<typeof startReceiver>>;
  let sms: Awaited<ReturnType<typeof startReceiver>>;
  let feed: AlertFeedClient;
  let broker: Mosquitto;
  let mqttSub: ReturnType<typeof subscribe>;
  const clock = new ManualClock(new Date());
  const feeds: AlertFeedClient[] = [];
  /** alerts raised while SMTP was down */
  const missedWhileDown: number[] = [];
  /** an admin: acts on alerts and reads the metrics */
  let admin: AuthHeaders;
  const json = async (p: string, init?: RequestInit) => {
    const r = await fetch(`${api}${p}`, { ...init, headers: { ...admin, ...(init?.headers as Record<string, string> | undefined) } });
    return { status: r.status, body: (await r.json()) as Record<string, unknown> };
  };
  const allAlerts = async () => (await json('/api/v1/alerts?limit=100')).body.items as Array<Record<string, unknown>>;
  // the rule's alerts; system alerts (the email channel failing while SMTP is down) are checked on their own
  const alertsListed = async () => (await allAlerts()).filter((a) => a.rule_type !== 'system');
  const failingEmailAlert = async () => (await allAlerts()).find((a) => a.rule_id === 'system.notification_failing' && String(a.title).includes('email'));

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vigil-alerts-e2e-'));
    smtp = await startSmtpServer();
    relay = await startTcpRelay(smtp.port);
    webhook = await startReceiver(200, { ok: true });
    sms = await startReceiver(201, { sid: 'SM0e2e', status: 'queued' });
    broker = await startMosquitto();
    mqttSub = subscribe(broker.port, ['vigil/#', 'homeassistant/#']);
    const sample = await ensureSample(undefined, log, { download: false });
    sim = await startDvrSim({ port: 0, channels: 1, password: PASSWORD, main: sample.main, sub: sample.sub, log });
    const loaded = resolveConfig({
      sites: [{ id: 'site', dvrs: [{ id: 'sim', host: '127.0.0.1', port: sim.port }], cameras: [{ id: CAMERA, name: 'Plaza', dvr: 'sim', channel: 1 }] }],
      storage: { data_dir: dir },
      detection: { workers: 1 },
      // faces are not what this test is about: one detector worker less on 2 cores
      faces: { enabled: false },
      api: { port: 0, public_url: PUBLIC_URL },
      alerts: { escalate_after_minutes: 15, escalation_check_seconds: 60 },
      rules: {
        // the test runs at any hour: night mode must not shorten the 10 s
        night: { time_factor: 1 },
        cameras: {
          [CAMERA]: {
            zones: { plaza: { name: 'Plaza', polygon: samplePlazaPolygon(960, 1080) } },
            rules: { plaza_loitering: { type: 'loitering', zone: 'plaza', severity: 'critical', params: { seconds: 10 } } },
          },
        },
      },
      notifications: {
        email: { host: '127.0.0.1', port: relay.port, from: 'Vigil <vigil@site.test>', timeout_seconds: 2 },
        webhooks: [{ id: 'ops', url: `${webhook.url}/vigil`, timeout_seconds: 2 }],
        sms: { base_url: sms.url, account_sid: SMS.sid, from: SMS.from },
        mqtt: { url: broker.url, topic_prefix: 'vigil' },
        recipients: [
          { name: 'guard', channels: ['email', 'sms', 'webhook', 'mqtt'], email: GUARD.email, phone: GUARD.phone, webhooks: ['ops'], min_severity: 'high' },
          // an admin with no camera of this site: gets escalations only
          { name: 'boss', channels: ['email'], email: BOSS, admin: true, cameras: ['cam_elsewhere'] },
        ],
        // the local buzzer: appends each critical alert's JSON (stdin) to a file
        local_alarm: { command: ['tee', '-a', path.join(dir, 'alarm.log')] },
        // the email limit (10 per address per hour) must not turn the emails of the SMTP outage into suppressed ones
        rate_limits: { email_per_address: { max: 100 } },
        retry: { max_retries: 3, base_seconds: 0.2, max_seconds: 1 },
        // no automatic re-send of dead letters during the test: the manual retry is what delivers
        recovery: { probe_seconds: 3600 },
      },
    }, 'alerts-e2e', { VIGIL_DVR_SIM_PASSWORD: PASSWORD });
    // the notify role reads channel secrets from the process environment when it starts
    Object.assign(process.env, CHANNEL_SECRETS);
    running = await startRoles(loaded, [...ROLES], log, { clock });
    api = running.apiUrl!;
    admin = await authHeaders(api, running.ctx.repos, 'admin');
    feed = await AlertFeedClient.connect(api, admin);
    feeds.push(feed);
  }, 120_000);

  afterAll(async () => {
    for (const f of feeds) await f.close();
    await running?.stop();
    await sim?.stop();
    await relay?.down().catch(() => {});
    await smtp?.close();
    await webhook?.close();
    await sms?.close();
    mqttSub?.child.kill();
    await broker?.close();
    for (const k of Object.keys(CHANNEL_SECRETS)) delete process.env[k];
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a person loitering 10 s on the plaza raises an alert: WebSocket, email, signed webhook, SMS, MQTT', async () => {
    const first = await until('a loitering alert on /ws/alerts', 75_000, () => feed.alerts().find((a) => a.change === 'new'));
    const alert = first.alert;
    expect(alert).toMatchObject({ camera_id: CAMERA, rule_id: 'plaza_loitering', rule_type: 'loitering', severity: 'critical', status: 'new' });
    expect(String(alert.title)).toMatch(/Plaza/);

    // several people may pass 10 s at once: find this alert's notifications by its event link and id
    const eventLink = `${PUBLIC_URL}/api/v1/events/${String(alert.event_id)}`;
    const event = (await json(`/api/v1/events/${String(alert.event_id)}`)).body;
    expect(event).toMatchObject({ camera_id: CAMERA, event_type: 'loitering', class: 'person' });
    expect(Date.parse(String(event.end_time)) - Date.parse(String(event.start_time))).toBeGreaterThanOrEqual(10_000);
    const mail = await until('the alert email', 15_000, () => smtp.received.find((m) => (m.mail.html || '').includes(eventLink)));
    expect(mail.to).toEqual([GUARD.email]);
    expect(mail.mail.subject).toContain(String(alert.title));
    expect(mail.mail.text).toContain(eventLink);
    const image = mail.mail.attachments.find((a) => a.contentType === 'image/jpeg');
    expect(image?.content.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
    expect(mail.mail.html || '').toContain(`cid:${image?.cid ?? 'missing'}`);

    const bodyOf = (hit: HttpHit) => JSON.parse(hit.body.toString()) as { alert: { alert_id: number; severity: string; event_url: string } };
    const hook = await until('the webhook', 15_000, () => webhook.hits.find((h) => bodyOf(h).alert.alert_id === alert.id));
    expect(hook.path).toBe('/vigil');
    expect(verifySignature(hook)).toBe(true);
    expect(verifySignature({ ...hook, body: Buffer.from(hook.body.toString().replace('critical', 'low')) })).toBe(false);
    expect(bodyOf(hook).alert).toMatchObject({ severity: 'critical', event_url: eventLink });

    const published = await until('the alert on MQTT vigil/events', 15_000, () => mqttSub.messages.find((m) => m.topic === 'vigil/events' && (JSON.parse(m.payload) as { alert_id: number }).alert_id === alert.id));
    expect(JSON.parse(published.payload)).toMatchObject({ kind: 'new', camera_id: CAMERA, rule_type: 'loitering', severity: 'critical', event_url: eventLink });
    const topics = new Set(mqttSub.messages.map((m) => m.topic));
    expect(topics).toContain(`vigil/cameras/${CAMERA}/state`);
    expect(mqttSub.messages).toContainEqual({ topic: 'vigil/availability', payload: 'online' });
    expect(topics).toContain(`homeassistant/binary_sensor/vigil_${CAMERA}_alert/config`);

    const text = await until('the SMS', 15_000, () => sms.hits[0]);
    expect(text.path).toBe(`/2010-04-01/Accounts/${SMS.sid}/Messages.json`);
    expect(text.headers.authorization).toBe(`Basic ${Buffer.from(`${SMS.sid}:${SMS.token}`).toString('base64')}`);
    const form = new URLSearchParams(text.body.toString());
    expect(form.get('To')).toBe(GUARD.phone);
    expect(form.get('From')).toBe(SMS.from);
  }, 100_000);

  it('a WebSocket client cut off while alerts happen gets the missed ones after reconnecting with since', async () => {
    feed.terminate();
    const seen = new Set(feed.alerts().map((a) => a.alert.id));
    const since = feed.lastSeq();
    // SMTP goes down too: the emails of these alerts fail (next test)
    await relay.down();
    const missed = await until('two alerts while disconnected', 60_000, async () => {
      const fresh = (await alertsListed()).filter((a) => !seen.has(a.id));
      return fresh.length >= 2 ? fresh : undefined;
    }, 500);
    const resumed = await AlertFeedClient.connect(api, admin, since);
    feeds.push(resumed);
    const replayed = await until('the missed alerts replayed', 10_000, () => {
      const ids = new Set(resumed.alerts().filter((a) => a.change === 'new').map((a) => a.alert.id));
      return missed.every((m) => ids.has(m.id)) ? resumed.alerts() : undefined;
    });
    expect(replayed.every((a) => a.seq > since)).toBe(true);
    missedWhileDown.push(...missed.map((m) => Number(m.id)));
    const seqs = replayed.map((a) => a.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    feed = resumed;
  }, 80_000);

  it('SMTP down: the email is retried, then dead-lettered; a manual retry delivers it once SMTP is back', async () => {
    const dead = await until('an email dead letter', 30_000, async () => {
      const items = (await json('/api/v1/notifications/dlq?status=open')).body.items as Array<Record<string, unknown>>;
      return items.find((d) => d.channel === 'email');
    }, 500);
    expect(dead).toMatchObject({ target: GUARD.email, retryable: true, attempts: 4 });
    expect(String(dead.error)).toMatch(/ECONNREFUSED|connect|refused/i);
    const mailsBefore = smtp.received.length;
    // the local alarm does not depend on the channels: it fired for the alerts whose emails failed
    const alarms = await until('the local alarm for the alerts raised while SMTP was down', 10_000, async () => {
      const log = await readFile(path.join(dir, 'alarm.log'), 'utf8').catch(() => '');
      return missedWhileDown.every((id) => log.includes(`"alert_id":${id},`)) ? log : undefined;
    });
    expect(alarms).toContain('"severity":"critical"');
    // failures are loud: the failing channel is itself an alert (sent through the other channels)
    expect(await until('a system alert for the failing email channel', 30_000, failingEmailAlert)).toMatchObject({ status: 'new', severity: 'high' });

    await relay.up();
    const retry = await json(`/api/v1/notifications/dlq/${String(dead.id)}/retry`, { method: 'POST' });
    expect(retry.status).toBe(202);
    const mails = await smtp.waitFor(mailsBefore + 1, 15_000);
    expect(mails.at(-1)!.to).toEqual([GUARD.email]);
    const after = await until('the dead letter delivered', 10_000, async () => {
      const items = (await json('/api/v1/notifications/dlq?status=delivered')).body.items as Array<Record<string, unknown>>;
      return items.find((d) => d.id === dead.id);
    });
    expect(after.status).toBe('delivered');
    expect((await json(`/api/v1/notifications/dlq/${String(dead.id)}/retry`, { method: 'POST' })).status).toBe(409);
    // email delivers again: its system alert is resolved by the system
    await until('the failing-channel alert resolved', 30_000, async () => ((await failingEmailAlert())?.status === 'resolved' ? true : undefined));
  }, 120_000);

  it('the SMS rate limit holds: one SMS per phone in 5 min, the others suppressed and counted', async () => {
    const alerts = await alertsListed();
    expect(alerts.length).toBeGreaterThanOrEqual(3);
    expect(sms.hits).toHaveLength(1);
    await until('suppressed notifications counted', 10_000, async () => {
      const p = (await json('/api/v1/notifications/pending')).body;
      return Number(p.suppressed_last_hour) >= 1 ? p : undefined;
    });
    const metrics = await (await fetch(`${api}/metrics`, { headers: admin })).text();
    expect(metrics).toMatch(/notifications_total\{channel="sms",outcome="sent"\} 1\n/);
    expect(metrics).toMatch(/notifications_total\{channel="sms",outcome="suppressed"\} [1-9]/);
  });

  it('an unacknowledged critical alert is escalated to the admin once the clock passes 15 min; an acknowledged one is not', async () => {
    const alerts = (await alertsListed()).sort((a, b) => Number(a.id) - Number(b.id));
    const [open, acked] = alerts as [Record<string, unknown>, Record<string, unknown>];
    const ack = await json(`/api/v1/alerts/${String(acked.id)}/ack`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ note: 'seen on camera' }) });
    expect(ack.status).toBe(200);

    // the manual clock stood still since the start: move it to 16 min after now
    await clock.advance(Date.now() - clock.now().getTime() + 16 * 60_000);
    const escalated = await until('the escalation', 15_000, async () => {
      const a = (await json(`/api/v1/alerts/${String(open.id)}`)).body;
      return a.escalated_at ? a : undefined;
    });
    expect(escalated.escalated_to).toBe('admin');
    expect((await json(`/api/v1/alerts/${String(acked.id)}`)).body.escalated_at).toBeNull();
    await until('the escalated change on /ws/alerts', 10_000, () => feed.alerts().find((a) => a.change === 'escalated' && a.alert.id === open.id));
    // every other unacknowledged alert escalates too, and its mail may arrive first: wait for this alert's
    const openLink = `${PUBLIC_URL}/api/v1/events/${String(open.event_id)}`;
    await until('the escalation email to the admin', 15_000, () =>
      smtp.received.find((r) => r.to.includes(BOSS) && (r.mail.html || '').includes(openLink)));
    const toBoss = smtp.received.filter((r) => r.to.includes(BOSS));
    expect(toBoss.every((m) => (m.mail.subject ?? '').includes('Unacknowledged'))).toBe(true);
  }, 60_000);
});
