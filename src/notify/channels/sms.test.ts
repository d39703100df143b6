import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNotification } from '../render.ts';
import { alertMessage } from '../test-helpers.ts';
import { createSmsChannel, smsBody } from './sms.ts';
import { ChannelError } from './types.ts';

const TOKEN = 'twilio-token-abcdef';

describe('SMS channel (Twilio-compatible API)', () => {
  const requests: Array<{ method?: string; url?: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  let answer = { status: 201, body: '{"sid":"SM1","status":"queued"}' };
  let baseUrl = '';
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const channel = () => createSmsChannel({ baseUrl, accountSid: 'AC123', authToken: TOKEN, from: '+15550000000', timeoutMs: 2000 });
  const n = renderNotification(alertMessage({ alert_id: 5, camera_name: 'Plaza' }), { timezone: 'UTC' });

  it('POSTs To/From/Body form-encoded to Messages.json with basic auth sid:token', async () => {
    answer = { status: 201, body: '{"sid":"SM1"}' };
    await channel().send(n, { kind: 'sms', phone: '+15551234567' });
    const r = requests.at(-1)!;
    expect(r.method).toBe('POST');
    expect(r.url).toBe('/2010-04-01/Accounts/AC123/Messages.json');
    expect(r.headers.authorization).toBe(`Basic ${Buffer.from(`AC123:${TOKEN}`).toString('base64')}`);
    expect(r.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(r.body))).toEqual({
      To: '+15551234567', From: '+15550000000', Body: '[Vigil CRITICAL] Person loitering in Plaza for 5 min 12 s (Plaza) http://vigil.local/events/5',
    });
  });

  it('a rejected number is not retryable, a server error is; neither message carries the token', async () => {
    answer = { status: 400, body: '{"code":21211,"message":"The \'To\' number is not a valid phone number."}' };
    const bad = await channel().send(n, { kind: 'sms', phone: '+1555' }).catch((e: unknown) => e as ChannelError);
    expect(bad).toBeInstanceOf(ChannelError);
    expect(bad).toMatchObject({ retryable: false, message: expect.stringContaining('answered HTTP 400: {"code":21211') });
    answer = { status: 503, body: '' };
    const down = await channel().send(n, { kind: 'sms', phone: '+15551234567' }).catch((e: unknown) => e as ChannelError);
    expect(down).toMatchObject({ retryable: true, message: expect.stringMatching(/^sms: SMS API 127\.0\.0\.1:\d+ answered HTTP 503$/) });
    for (const e of [bad, down]) expect((e as Error).message).not.toContain(TOKEN);
  });

  it('shortens a long title to fit, never the link', () => {
    const long = renderNotification(alertMessage({ title: 'x'.repeat(500), event_url: 'https://vigil.example/events/123' }), { timezone: 'UTC' });
    const body = smsBody(long);
    expect(body.length).toBeLessThanOrEqual(320);
    expect(body.endsWith('… https://vigil.example/events/123')).toBe(true);
  });
});
