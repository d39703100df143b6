import { channelRequest } from './http.ts';
import { expectTarget, type Channel, type Notification, type Target } from './types.ts';

export interface SmsOptions {
  /** Twilio-compatible API base URL, e.g. https://api.twilio.com */
  baseUrl: string;
  accountSid: string;
  /** never logged or put in an error */
  authToken: string;
  /** sending number (E.164) or messaging service name */
  from: string;
  timeoutMs: number;
}

/** One SMS segment set: subject and link (the HTML/text bodies are for email). */
const MAX_BODY = 320;

/** the SMS text: the subject (severity, title, camera) and the event link; the title is shortened, never the link */
export function smsBody(n: Notification): string {
  const link = n.alert.event_url;
  const room = MAX_BODY - link.length - 1;
  const head = n.subject.length <= room ? n.subject : `${n.subject.slice(0, Math.max(0, room - 1))}…`;
  return `${head} ${link}`;
}

/**
 * SMS over a Twilio-compatible REST API: POST {base}/2010-04-01/Accounts/{sid}/Messages.json,
 * form-encoded To/From/Body, HTTP basic auth sid:token. Errors as channelRequest classifies them.
 */
export function createSmsChannel(o: SmsOptions): Channel {
  const url = `${o.baseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(o.accountSid)}/Messages.json`;
  const authorization = `Basic ${Buffer.from(`${o.accountSid}:${o.authToken}`).toString('base64')}`;
  const what = `SMS API ${new URL(url).host}`;
  return {
    kind: 'sms',
    async send(n: Notification, target: Target): Promise<void> {
      const { phone } = expectTarget('sms', target);
      await channelRequest('sms', what, url, {
        method: 'POST',
        headers: { authorization, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ To: phone, From: o.from, Body: smsBody(n) }).toString(),
      }, o.timeoutMs);
    },
    async close(): Promise<void> {},
  };
}
