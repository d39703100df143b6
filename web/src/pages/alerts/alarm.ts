/**
 * The opt-in alarm of the inbox: a short beep and a browser notification when a new critical alert
 * arrives, and a Web Push subscription (through the service worker /sw.js) so the notification
 * also reaches a closed tab or a locked phone. Browsers only allow sound and notifications after
 * the user asks for them, hence the button; the choice is remembered per browser.
 */
import { vapidKeySchema } from '@contract/notifications.ts';
import { api, ApiError } from '../../api/client.ts';

const STORAGE_KEY = 'vigil.alarm';
let audio: AudioContext | null = null;

export const alarmEnabled = (): boolean => localStorage.getItem(STORAGE_KEY) === 'on';

/** A 0.25 s two-tone beep: audible across a control room, short enough not to mask speech. */
export function beep(): void {
  if (!audio) return;
  const at = audio.currentTime;
  for (const [i, freq] of [880, 660].entries()) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.25, at + i * 0.13);
    gain.gain.exponentialRampToValueAtTime(0.001, at + i * 0.13 + 0.12);
    osc.connect(gain).connect(audio.destination);
    osc.start(at + i * 0.13);
    osc.stop(at + i * 0.13 + 0.12);
  }
}

/** Shows a notification while the page is open (the service worker shows pushed ones). */
export function notify(title: string, body: string, url: string, tag: string): void {
  if (!('Notification' in window) || Notification.permission !== 'granted') return;
  const n = new Notification(title, { body, tag, icon: '/favicon.svg' });
  n.onclick = () => { window.focus(); location.assign(url); };
}

function base64UrlToBytes(s: string): Uint8Array<ArrayBuffer> {
  const b64 = (s + '='.repeat((4 - (s.length % 4)) % 4)).replace(/-/g, '+').replace(/_/g, '/');
  return Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
}

/**
 * Subscribes this browser to Web Push for `user` (a notifications recipient with the push
 * channel). Returns why not when it cannot: push not configured on the server, no service worker
 * (plain http other than localhost), or the user is no push recipient.
 */
export async function subscribePush(user: string): Promise<string | null> {
  if (!('serviceWorker' in navigator) || !('PushManager' in window)) return 'this browser cannot receive push messages here (a secure https origin is needed)';
  try {
    const { public_key } = await api.get('/api/v1/push/vapid-public-key', { schema: vapidKeySchema });
    const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    await navigator.serviceWorker.ready;
    const subscription = await registration.pushManager.getSubscription()
      ?? await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(public_key) });
    await api.post('/api/v1/push/subscriptions', { body: { user, subscription: subscription.toJSON() } });
    return null;
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return 'web push is not configured on this Vigil';
    return e instanceof Error ? e.message : String(e);
  }
}

/**
 * Turns the alarm on; must run in the click's handler (browsers unlock sound and the permission
 * prompt only for a user gesture). Returns the notification permission.
 */
export async function enableAlarm(): Promise<NotificationPermission | 'unsupported'> {
  audio ??= new AudioContext();
  await audio.resume();
  localStorage.setItem(STORAGE_KEY, 'on');
  beep();
  return 'Notification' in window ? Notification.requestPermission() : 'unsupported';
}

export function disableAlarm(): void {
  localStorage.removeItem(STORAGE_KEY);
  void audio?.close();
  audio = null;
}

/** After a reload the choice is remembered, but sound needs a gesture again: the first key or click unlocks it. */
export function resumeAlarmOnGesture(): () => void {
  const unlock = () => {
    if (!alarmEnabled()) return;
    audio ??= new AudioContext();
    void audio.resume();
  };
  window.addEventListener('pointerdown', unlock, { once: true });
  window.addEventListener('keydown', unlock, { once: true });
  return () => {
    window.removeEventListener('pointerdown', unlock);
    window.removeEventListener('keydown', unlock);
  };
}
