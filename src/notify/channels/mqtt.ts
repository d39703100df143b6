import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { CameraStatusSource } from '../../core/camera-status.ts';
import type { Logger } from '../../core/log.ts';
import type { AlertMessage } from '../../core/types.ts';
import { hostOf } from './http.ts';
import { ChannelError, expectTarget, type Channel, type Notification, type Target } from './types.ts';

export interface MqttOptions {
  /** mqtt:// or mqtts:// broker URL (credentials in it are never logged) */
  url: string;
  username?: string;
  /** never logged or put in an error */
  password?: string;
  /** topics: {prefix}/events, {prefix}/cameras/{id}/state, {prefix}/availability */
  prefix: string;
  /** publish Home Assistant discovery (one alert binary_sensor per camera) under discoveryPrefix */
  discovery: boolean;
  discoveryPrefix: string;
  /** cameras announced by discovery */
  cameras: Array<{ id: string; name: string }>;
  /** connect/publish timeout */
  timeoutMs: number;
  log: Logger;
  /** Home Assistant turns a camera's alert sensor off this long after its last alert (default 300 s) */
  offDelaySeconds?: number;
  /** the cameras' stream health in this process (edge role): published as each camera's connectivity */
  cameraStatus?: CameraStatusSource;
  /** how often camera connectivity is checked for changes (default 5 s) */
  statusIntervalMs?: number;
}

/** Retained on {prefix}/cameras/{id}/state: the camera's last alert. */
export interface CameraAlertState {
  state: 'ON';
  alert_id: number;
  kind: AlertMessage['kind'];
  severity: AlertMessage['severity'];
  rule_type: string;
  title: string;
  at: string;
  event_url: string;
}

export const mqttTopics = (prefix: string) => ({
  events: `${prefix}/events`,
  availability: `${prefix}/availability`,
  cameraState: (cameraId: string) => `${prefix}/cameras/${cameraId}/state`,
  cameraConnectivity: (cameraId: string) => `${prefix}/cameras/${cameraId}/connectivity`,
});

export const discoveryTopic = (discoveryPrefix: string, cameraId: string, sensor: 'alert' | 'connectivity' = 'alert'): string =>
  `${discoveryPrefix}/binary_sensor/vigil_${cameraId}_${sensor}/config`;

/** Home Assistant MQTT discovery config of a camera's alert sensor (ON while it has a recent alert). */
export function discoveryConfig(o: Pick<MqttOptions, 'prefix' | 'offDelaySeconds'>, camera: { id: string; name: string }): Record<string, unknown> {
  const t = mqttTopics(o.prefix);
  return {
    name: 'Alert', unique_id: `vigil_${camera.id}_alert`, object_id: `vigil_${camera.id}_alert`, device_class: 'safety',
    state_topic: t.cameraState(camera.id), value_template: '{{ value_json.state }}', payload_on: 'ON', payload_off: 'OFF',
    json_attributes_topic: t.cameraState(camera.id), off_delay: o.offDelaySeconds ?? 300,
    availability_topic: t.availability, payload_available: 'online', payload_not_available: 'offline',
    device: { identifiers: [`vigil_${camera.id}`], name: camera.name, manufacturer: 'Vigil', model: 'camera' },
  };
}

/** Home Assistant discovery config of a camera's connectivity sensor (its stream is up). */
export function connectivityDiscoveryConfig(o: Pick<MqttOptions, 'prefix'>, camera: { id: string; name: string }): Record<string, unknown> {
  const t = mqttTopics(o.prefix);
  return {
    name: 'Stream', unique_id: `vigil_${camera.id}_connectivity`, object_id: `vigil_${camera.id}_connectivity`, device_class: 'connectivity',
    state_topic: t.cameraConnectivity(camera.id), payload_on: 'online', payload_off: 'offline',
    availability_topic: t.availability, payload_available: 'online', payload_not_available: 'offline',
    device: { identifiers: [`vigil_${camera.id}`], name: camera.name, manufacturer: 'Vigil', model: 'camera' },
  };
}

/**
 * MQTT for Home Assistant: each alert on {prefix}/events (JSON, QoS 1) and retained on the
 * camera's state topic; {prefix}/availability is `online` (retained) while connected and
 * `offline` through the last will (or a clean close). Discovery configs are re-published,
 * retained, on every connect. With a camera status source, each camera's stream connectivity is
 * retained on {prefix}/cameras/{id}/connectivity (`online`/`offline`) when it changes and on every
 * connect. The client connects at creation and reconnects by itself; a send
 * while the broker is unreachable fails, retryable, after `timeoutMs`.
 */
export function createMqttChannel(o: MqttOptions): Channel {
  const t = mqttTopics(o.prefix);
  const host = hostOf(o.url) ?? '(invalid URL)';
  const broker = `MQTT broker ${host}`;
  const log = o.log.child({ channel: 'mqtt', broker: host });
  let lastError = 'not connected yet';
  const client: MqttClient = mqtt.connect(o.url, {
    username: o.username, password: o.password, clientId: `vigil-notify-${randomBytes(4).toString('hex')}`,
    connectTimeout: o.timeoutMs, reconnectPeriod: Math.min(5000, o.timeoutMs), clean: true,
    will: { topic: t.availability, payload: Buffer.from('offline'), retain: true, qos: 1 },
  });
  client.on('connect', () => {
    lastError = 'connection lost';
    log.info('connected to the MQTT broker');
    void announce().catch((err: unknown) => log.warn({ err }, 'could not publish availability/discovery; next connect retries'));
  });
  client.on('error', (err) => {
    if (err.message !== lastError) log.warn({ err }, 'MQTT broker error');
    lastError = err.message;
  });
  client.on('offline', () => log.warn({ cause: lastError }, 'MQTT broker unreachable; reconnecting'));

  /** last connectivity published per camera; cleared on connect so the broker gets it all again */
  const published = new Map<string, string>();
  async function publishConnectivity(): Promise<void> {
    if (!o.cameraStatus || !client.connected) return;
    for (const camera of o.cameras) {
      const status = o.cameraStatus(camera.id);
      if (!status) continue; // not known in this process
      const value = status.connected ? 'online' : 'offline';
      if (published.get(camera.id) === value) continue;
      await client.publishAsync(t.cameraConnectivity(camera.id), value, { qos: 1, retain: true });
      published.set(camera.id, value);
    }
  }
  const statusTimer = o.cameraStatus
    ? setInterval(() => void publishConnectivity().catch((err: unknown) => log.warn({ err }, 'camera connectivity not published; next check retries')), o.statusIntervalMs ?? 5000)
    : undefined;
  statusTimer?.unref();

  async function announce(): Promise<void> {
    await client.publishAsync(t.availability, 'online', { qos: 1, retain: true });
    if (o.discovery) {
      for (const camera of o.cameras) {
        await client.publishAsync(discoveryTopic(o.discoveryPrefix, camera.id), JSON.stringify(discoveryConfig(o, camera)), { qos: 1, retain: true });
        if (o.cameraStatus) {
          await client.publishAsync(discoveryTopic(o.discoveryPrefix, camera.id, 'connectivity'), JSON.stringify(connectivityDiscoveryConfig(o, camera)), { qos: 1, retain: true });
        }
      }
    }
    published.clear();
    await publishConnectivity();
  }

  async function withTimeout<T>(what: string, p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ChannelError('mqtt', `${broker}: ${what} not done within ${o.timeoutMs} ms (${lastError})`, true)), o.timeoutMs);
    });
    try {
      return await Promise.race([p, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** waits for the (re)connection, at most timeoutMs */
  function connected(): Promise<void> {
    return new Promise((resolve, reject) => {
      const onConnect = () => {
        clearTimeout(timer);
        resolve();
      };
      const timer = setTimeout(() => {
        client.off('connect', onConnect);
        reject(new ChannelError('mqtt', `${broker} unreachable: ${lastError}`, true));
      }, o.timeoutMs);
      client.once('connect', onConnect);
    });
  }

  return {
    kind: 'mqtt',
    async send(n: Notification, target: Target): Promise<void> {
      expectTarget('mqtt', target);
      if (!client.connected) await connected();
      const a = n.alert;
      const state: CameraAlertState = { state: 'ON', alert_id: a.alert_id, kind: a.kind, severity: a.severity, rule_type: a.rule_type, title: a.title, at: a.at, event_url: a.event_url };
      try {
        await withTimeout('publish', Promise.all([
          client.publishAsync(t.events, JSON.stringify(a), { qos: 1 }),
          client.publishAsync(t.cameraState(a.camera_id), JSON.stringify(state), { qos: 1, retain: true }),
        ]));
      } catch (err) {
        throw err instanceof ChannelError ? err : new ChannelError('mqtt', `${broker}: publish failed: ${(err as Error).message}`, true);
      }
    },
    async close(): Promise<void> {
      clearInterval(statusTimer);
      if (client.connected) await withTimeout('offline announcement', client.publishAsync(t.availability, 'offline', { qos: 1, retain: true })).catch(() => undefined);
      await client.endAsync(true);
    },
  };
}
