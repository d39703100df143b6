import nodemailer from 'nodemailer';
import { SNAPSHOT_CID } from '../render.ts';
import { ChannelError, expectTarget, type Channel, type Notification, type Target } from './types.ts';

export interface EmailOptions {
  host: string;
  port: number;
  /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it */
  secure: boolean;
  /** refuse to send without STARTTLS */
  requireTls?: boolean;
  /** extra trust (a site CA, PEM) or, for a lab server only, no certificate check */
  tls?: { ca?: string; rejectUnauthorized?: boolean };
  username?: string;
  /** never logged or put in an error */
  password?: string;
  from: string;
  timeoutMs: number;
}

/**
 * Email over SMTP (nodemailer): the rendered HTML with a text alternative, the snapshot attached
 * inline (cid) so the HTML shows it. A permanent SMTP reply (5xx, e.g. unknown recipient or bad
 * credentials) is not retryable; a temporary one (4xx), a timeout or a refused connection is.
 */
export function createEmailChannel(o: EmailOptions): Channel {
  const transport = nodemailer.createTransport({
    host: o.host, port: o.port, secure: o.secure, requireTLS: o.requireTls ?? false,
    ...(o.tls && { tls: o.tls }),
    ...(o.username && { auth: { user: o.username, pass: o.password ?? '' } }),
    connectionTimeout: o.timeoutMs, greetingTimeout: o.timeoutMs, socketTimeout: o.timeoutMs,
    disableFileAccess: true, disableUrlAccess: true,
  });
  const server = `SMTP ${o.host}:${o.port}`;
  return {
    kind: 'email',
    async send(n: Notification, target: Target): Promise<void> {
      const { address } = expectTarget('email', target);
      try {
        await transport.sendMail({
          from: o.from, to: address, subject: n.subject, text: n.text, html: n.html,
          attachments: n.snapshot ? [{ filename: n.snapshot.filename, content: n.snapshot.bytes, contentType: n.snapshot.contentType, cid: SNAPSHOT_CID }] : [],
        });
      } catch (err) {
        throw smtpError(server, err);
      }
    },
    async close(): Promise<void> {
      transport.close();
    },
  };
}

function smtpError(server: string, err: unknown): ChannelError {
  const e = err as { message?: string; code?: string; responseCode?: number };
  const message = `${server}: ${e.message ?? String(err)}`;
  if (typeof e.responseCode === 'number') return new ChannelError('email', message, e.responseCode < 500);
  // no SMTP reply: the connection, TLS or a timeout failed (retry), unless login is impossible
  return new ChannelError('email', message, e.code !== 'EAUTH' && e.code !== 'EENVELOPE' && e.code !== 'EMESSAGE');
}
