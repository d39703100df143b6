import PDFDocument from 'pdfkit';
import { formatSeconds, hourLabel } from '../../api/contract/analytics.ts';
import type { DailyReport } from './service.ts';

/**
 * The daily report as a printable A4 PDF: summary, busiest hours (a bar per hour), events per
 * camera and class, alerts per severity and status, response times and recording coverage.
 * Times are the site's.
 */
const MARGIN = 50;
const ACCENT = '#2563eb';

const siteTime = (t: Date | string, timezone: string): string =>
  new Intl.DateTimeFormat('en-GB', { timeZone: timezone, dateStyle: 'medium', timeStyle: 'short' }).format(new Date(t));

export function dailyReportPdf(r: DailyReport): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A4', margin: MARGIN, info: { Title: `Vigil daily report ${r.date}`, Author: 'Vigil' } });
  const done = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = doc.page.width - 2 * MARGIN;
  const heading = (text: string) => doc.moveDown(0.8).font('Helvetica-Bold').fontSize(13).fillColor('#111').text(text).moveDown(0.2).font('Helvetica').fontSize(10);
  const line = (text: string) => doc.fillColor('#222').text(text);

  doc.font('Helvetica-Bold').fontSize(20).fillColor('#111').text(`Daily activity report — ${r.date}`);
  doc.font('Helvetica').fontSize(10).fillColor('#555')
    .text(`Site time zone ${r.timezone}: ${siteTime(r.from, r.timezone)} to ${siteTime(r.to, r.timezone)}. Generated ${siteTime(r.generated_at, r.timezone)}.`);

  heading('Summary');
  line(`${r.events.total} objects seen (tracked detections), ${r.alerts.total} alerts (${r.alerts.false_positives} false positives).`);
  line(`Busiest hours: ${r.busiest_hours.length ? r.busiest_hours.map(hourLabel).join(', ') : 'none (no events)'}.`);

  heading('Events per hour');
  const chartTop = doc.y, chartHeight = 80, max = Math.max(1, ...r.hours.map((h) => h.count)), barWidth = width / 24;
  for (const h of r.hours) {
    const barHeight = (h.count / max) * chartHeight;
    doc.rect(MARGIN + h.hour * barWidth + 1, chartTop + chartHeight - barHeight, barWidth - 2, barHeight).fill(r.busiest_hours.includes(h.hour) ? ACCENT : '#94a3b8');
    if (h.hour % 3 === 0) doc.fillColor('#555').fontSize(7).text(String(h.hour).padStart(2, '0'), MARGIN + h.hour * barWidth, chartTop + chartHeight + 2, { width: barWidth, align: 'center', lineBreak: false });
  }
  doc.fontSize(10).text('', MARGIN, chartTop + chartHeight + 14);

  heading('Events per camera and class');
  if (!r.events.by_camera_class.length) line('No events.');
  for (const e of r.events.by_camera_class) line(`${e.camera_id}   ${e.class}: ${e.count}`);

  heading('Alerts per severity');
  if (!r.alerts.by_severity.length) line('No alerts.');
  for (const s of r.alerts.by_severity) line(`${s.severity}: ${s.total} (new ${s.new}, acknowledged ${s.ack}, resolved ${s.resolved})`);

  heading('Response times (median / 90th percentile)');
  line(`Triggered → acknowledged: ${formatSeconds(r.response.triggered_to_ack.median_seconds)} / ${formatSeconds(r.response.triggered_to_ack.p90_seconds)} over ${r.response.triggered_to_ack.count} alerts`);
  line(`Acknowledged → resolved: ${formatSeconds(r.response.ack_to_resolved.median_seconds)} / ${formatSeconds(r.response.ack_to_resolved.p90_seconds)} over ${r.response.ack_to_resolved.count} alerts`);
  line(`Triggered → resolved: ${formatSeconds(r.response.triggered_to_resolved.median_seconds)} / ${formatSeconds(r.response.triggered_to_resolved.p90_seconds)} over ${r.response.triggered_to_resolved.count} alerts`);

  heading('Cameras: recording coverage');
  if (!r.cameras.length) line('No cameras.');
  for (const c of r.cameras) {
    const coverage = c.coverage === null ? 'day not begun' : `${(c.coverage * 100).toFixed(1)} % recorded`;
    const gaps = c.gaps.map((g) => `${g.count} × ${g.cause} (${formatSeconds(g.seconds)})`).join('; ');
    line(`${c.name} (${c.camera_id}): ${coverage}, ${formatSeconds(c.recorded_seconds)}${gaps ? `; gaps: ${gaps}` : ''}`);
  }
  doc.end();
  return done;
}
