import type { AlertMessage } from '../core/types.ts';
import type { Notification } from './channels/types.ts';

/** Content-ID of the inline snapshot in the HTML email (`<img src="cid:…">`). */
export const SNAPSHOT_CID = 'snapshot@vigil';

export interface RenderOptions {
  /** site time zone (IANA) the alert time is shown in */
  timezone: string;
  /** the event's snapshot JPEG (objects bucket `snapshots`, key alert.snapshot_key) */
  snapshot?: Buffer;
}

const SEVERITY_COLOUR: Record<AlertMessage['severity'], string> = {
  low: '#607d8b', medium: '#f9a825', high: '#ef6c00', critical: '#c62828',
};

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);

/** "2026-01-20 23:14:05 CET" in the site time zone (an invalid zone falls back to UTC, named). */
export function formatSiteTime(iso: string, timezone: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return iso;
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat('en-GB', {
      timeZone: timezone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
    }).formatToParts(at);
  } catch {
    return `${at.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  }
  const p = (type: Intl.DateTimeFormatPartTypes) => parts.find((x) => x.type === type)?.value ?? '';
  return `${p('year')}-${p('month')}-${p('day')} ${p('hour')}:${p('minute')}:${p('second')} ${p('timeZoneName')}`;
}

/**
 * Subject, plain text and HTML of one alert for every channel. The HTML is self-contained
 * (inline styles, as mail clients strip <style>), every interpolated value is escaped, and the
 * snapshot is referenced by cid so the email channel can attach it inline.
 */
export function renderNotification(alert: AlertMessage, opts: RenderOptions): Notification {
  const camera = alert.camera_name ?? alert.camera_id;
  const severity = alert.severity.toUpperCase();
  const when = formatSiteTime(alert.at, opts.timezone);
  const escalated = alert.kind === 'escalation';
  const headline = escalated ? `Unacknowledged: ${alert.title}` : alert.title;
  const subject = `[Vigil ${severity}] ${headline} (${camera})`;
  const facts: Array<[string, string]> = [
    ['Camera', camera], ['Time', when], ['Rule', `${alert.rule_id} (${alert.rule_type})`], ['Severity', alert.severity + (alert.night ? ', night' : '')],
  ];
  const text = [
    headline,
    ...(escalated ? ['This alert has not been acknowledged and is escalated to you.'] : []),
    '',
    ...facts.map(([k, v]) => `${k}: ${v}`),
    '',
    `Open the event: ${alert.event_url}`,
  ].join('\n');
  const html = `<!doctype html>
<html><body style="font-family:Arial,Helvetica,sans-serif;color:#212121;margin:0;padding:16px">
<p style="margin:0 0 12px"><span style="display:inline-block;padding:2px 8px;border-radius:3px;background:${SEVERITY_COLOUR[alert.severity]};color:#fff;font-weight:bold">${escapeHtml(severity)}</span>${alert.night ? ' <span style="color:#455a64">night</span>' : ''}</p>
<h2 style="margin:0 0 8px;font-size:18px">${escapeHtml(headline)}</h2>
${escalated ? '<p style="margin:0 0 8px;color:#c62828">This alert has not been acknowledged and is escalated to you.</p>\n' : ''}<table style="border-collapse:collapse;margin:0 0 12px">
${facts.map(([k, v]) => `<tr><td style="padding:2px 12px 2px 0;color:#616161">${escapeHtml(k)}</td><td style="padding:2px 0">${escapeHtml(v)}</td></tr>`).join('\n')}
</table>
${opts.snapshot ? `<p style="margin:0 0 12px"><img src="cid:${SNAPSHOT_CID}" alt="snapshot of ${escapeHtml(camera)}" style="max-width:640px;width:100%;border:1px solid #ccc"></p>\n` : ''}<p style="margin:0"><a href="${escapeHtml(alert.event_url)}" style="display:inline-block;padding:8px 14px;background:#1565c0;color:#fff;text-decoration:none;border-radius:3px">Open the event</a></p>
</body></html>
`;
  return {
    alert, subject, text, html,
    ...(opts.snapshot && { snapshot: { bytes: opts.snapshot, filename: `alert-${alert.alert_id}.jpg`, contentType: 'image/jpeg' } }),
  };
}
