/**
 * The push service worker (web/public/sw.js) run in a sandbox with the parts of the
 * ServiceWorkerGlobalScope it uses: what a pushed alert shows, and where a click on it leads.
 */
import { readFileSync } from 'node:fs';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';

const SOURCE = readFileSync(new URL('../public/sw.js', import.meta.url), 'utf8');
const ORIGIN = 'https://vigil.example';

type Listener = (event: Record<string, unknown>) => void;

function worker(tabs: { url: string; focused: boolean; navigatedTo?: string }[] = []) {
  const listeners = new Map<string, Listener>();
  const shown: { title: string; options: Record<string, unknown> }[] = [];
  const opened: string[] = [];
  const self = {
    location: new URL(`${ORIGIN}/sw.js`),
    addEventListener: (type: string, fn: Listener) => listeners.set(type, fn),
    skipWaiting: () => undefined,
    registration: { showNotification: async (title: string, options: Record<string, unknown>) => void shown.push({ title, options }) },
    clients: {
      claim: async () => undefined,
      matchAll: async () => tabs.map((t) => ({ url: t.url, focus: async () => { t.focused = true; }, navigate: async (u: string) => { t.navigatedTo = u; } })),
      openWindow: async (u: string) => void opened.push(u),
    },
  };
  vm.runInNewContext(SOURCE, { self, URL });
  /** dispatches an event and waits for what it passed to waitUntil */
  const dispatch = async (type: string, event: Record<string, unknown>) => {
    let work: Promise<unknown> = Promise.resolve();
    listeners.get(type)!({ ...event, waitUntil: (p: Promise<unknown>) => { work = p; } });
    await work;
  };
  return { dispatch, shown, opened };
}

const pushed = (payload: unknown) => ({ data: { json: () => payload, text: () => JSON.stringify(payload) } });

describe('push service worker', () => {
  it('shows a pushed alert with its title, body and tag; a critical one stays until acted on', async () => {
    const w = worker();
    await w.dispatch('push', pushed({ title: 'Critical: person at the gate', body: 'Gate · 03:12', tag: 'vigil-alert-42', alert_id: 42, severity: 'critical' }));
    await w.dispatch('push', pushed({ title: 'Car in the yard', body: 'Yard', tag: 'vigil-alert-43', alert_id: 43, severity: 'low' }));
    expect(w.shown).toEqual([
      { title: 'Critical: person at the gate', options: expect.objectContaining({ body: 'Gate · 03:12', tag: 'vigil-alert-42', requireInteraction: true, data: { url: '/alerts/42' } }) },
      { title: 'Car in the yard', options: expect.objectContaining({ requireInteraction: false, data: { url: '/alerts/43' } }) },
    ]);
  });

  it('a push that is not JSON still shows, as text, leading to the inbox', async () => {
    const w = worker();
    await w.dispatch('push', { data: { json: () => { throw new SyntaxError('not JSON'); }, text: () => 'disk almost full' } });
    expect(w.shown).toEqual([{ title: 'Vigil alert', options: expect.objectContaining({ body: 'disk almost full', data: { url: '/alerts' } }) }]);
  });

  it('a click opens the alert in the dashboard tab already open, else in a new window', async () => {
    const tab = { url: `${ORIGIN}/live`, focused: false, navigatedTo: undefined as string | undefined };
    const withTab = worker([{ url: 'https://elsewhere.example/', focused: false }, tab]);
    let closed = false;
    const click = { notification: { data: { url: '/alerts/42' }, close: () => { closed = true; } } };
    await withTab.dispatch('notificationclick', click);
    expect(closed).toBe(true);
    expect(tab).toMatchObject({ focused: true, navigatedTo: `${ORIGIN}/alerts/42` });
    expect(withTab.opened).toEqual([]);

    const none = worker();
    await none.dispatch('notificationclick', click);
    expect(none.opened).toEqual([`${ORIGIN}/alerts/42`]);
  });
});
