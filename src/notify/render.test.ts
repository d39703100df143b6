import { describe, expect, it } from 'vitest';
import { formatSiteTime, renderNotification, SNAPSHOT_CID } from './render.ts';
import { alertMessage } from './test-helpers.ts';

describe('renderNotification', () => {
  it('puts severity, camera, site-time, title and the event link in subject, text and HTML', () => {
    const n = renderNotification(alertMessage({ alert_id: 7, camera_name: 'Plaza', severity: 'high', night: true, at: '2025-01-20T22:30:05.000Z' }), { timezone: 'Europe/Berlin' });
    expect(n.subject).toBe('[Vigil HIGH] Person loitering in Plaza for 5 min 12 s (Plaza)');
    expect(n.text).toContain('Time: 2025-01-20 23:30:05 CET');
    expect(n.text).toContain('Open the event: http://vigil.local/events/7');
    expect(n.html).toContain('>HIGH</span>');
    expect(n.html).toContain('2025-01-20 23:30:05 CET');
    expect(n.html).toContain('href="http://vigil.local/events/7"');
    expect(n.html).toContain('night');
    expect(n.snapshot).toBeUndefined();
    expect(n.html).not.toContain('cid:');
  });

  it('escapes every interpolated value in the HTML', () => {
    const n = renderNotification(alertMessage({ title: '<script>alert("x")</script>', camera_name: 'A & B', event_url: 'http://x/e?a=1&b="2"' }), { timezone: 'UTC' });
    expect(n.html).not.toContain('<script>');
    expect(n.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
    expect(n.html).toContain('A &amp; B');
    expect(n.html).toContain('href="http://x/e?a=1&amp;b=&quot;2&quot;"');
  });

  it('references an attached snapshot by cid and names an escalation', () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
    const n = renderNotification(alertMessage({ alert_id: 9, kind: 'escalation', severity: 'critical' }), { timezone: 'UTC', snapshot: jpeg });
    expect(n.snapshot).toEqual({ bytes: jpeg, filename: 'alert-9.jpg', contentType: 'image/jpeg' });
    expect(n.html).toContain(`src="cid:${SNAPSHOT_CID}"`);
    expect(n.subject).toMatch(/^\[Vigil CRITICAL\] Unacknowledged: /);
    expect(n.text).toContain('escalated to you');
  });
});

describe('formatSiteTime', () => {
  it('shows the time in the site zone across DST and falls back to UTC for an unknown zone', () => {
    expect(formatSiteTime('2025-07-01T12:00:00Z', 'Europe/Berlin')).toBe('2025-07-01 14:00:00 CEST');
    expect(formatSiteTime('2025-01-01T00:30:00Z', 'Asia/Kolkata')).toBe('2025-01-01 06:00:00 GMT+5:30');
    expect(formatSiteTime('2025-01-01T00:30:00Z', 'Mars/Base')).toBe('2025-01-01 00:30:00 UTC');
  });
});
