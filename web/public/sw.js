/* global self */
/*
 * Vigil's service worker: shows the Web Push notification of an alert (payload of
 * src/notify/channels/push.ts: title, body, tag, alert_id, severity) and opens the alert in the
 * dashboard when it is clicked, in the tab already open if there is one.
 */
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => {
  let alert = {};
  try {
    alert = event.data ? event.data.json() : {};
  } catch {
    alert = { title: 'Vigil alert', body: event.data ? event.data.text() : '' };
  }
  const url = typeof alert.alert_id === 'number' ? `/alerts/${alert.alert_id}` : '/alerts';
  event.waitUntil(self.registration.showNotification(alert.title || 'Vigil alert', {
    body: alert.body || '',
    tag: alert.tag || url,
    icon: '/favicon.svg',
    badge: '/favicon.svg',
    // a critical alert stays on screen until the guard does something with it
    requireInteraction: alert.severity === 'critical',
    data: { url },
  }));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const url = new URL((event.notification.data && event.notification.data.url) || '/alerts', self.location.origin).href;
  event.waitUntil((async () => {
    const tabs = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const tab = tabs.find((c) => new URL(c.url).origin === self.location.origin);
    if (tab) {
      await tab.focus();
      return tab.navigate(url);
    }
    return self.clients.openWindow(url);
  })());
});
