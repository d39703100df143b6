import { timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNotification } from '../render.ts';
import { alertMessage } from '../test-helpers.ts';
import { ChannelError } from './types.ts';
import { createWebhookChannel, signBody, type WebhookBody } from './webhook.ts';

const SECRET = 'whsec-test-0123456789';
const NOW = new Date('2025-01-20T10:00:05Z');

interface Received { headers: http.IncomingHttpHeaders; raw: Buffer; verified: boolean }

/** a receiver that verifies the signature the way the webhook docs tell receivers to */
function verify(raw: Buffer, header: string | undefined): boolean {
  const expected = Buffer.from(signBody(raw, SECRET));
  const got = Buffer.from(header ?? '');
  return got.length === expected.length && timingSafeEqual(got, expected);
}

describe('webhook channel', () => {
  const received: Received[] = [];
  let status = 200;
  let url = '';
  let closedPort = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      received.push({ headers: req.headers, raw, verified: verify(raw, req.headers['x-vigil-signature'] as string | undefined) });
      if (req.url === '/slow') return; // never answers
      res.writeHead(status).end(status >= 400 ? 'nope' : '');
    });
  });
  beforeAll(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const gone = http.createServer();
    await new Promise<void>((r) => gone.listen(0, '127.0.0.1', r));
    closedPort = (gone.address() as AddressInfo).port;
    await new Promise((r) => gone.close(r));
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  const channel = () => createWebhookChannel([
    { id: 'ha', url: `${url}/hook`, secret: SECRET, timeoutMs: 2000 },
    { id: 'slow', url: `${url}/slow`, secret: SECRET, timeoutMs: 200 },
    { id: 'down', url: `http://127.0.0.1:${closedPort}/hook`, secret: SECRET, timeoutMs: 2000 },
  ], () => NOW);
  const n = renderNotification(alertMessage({ alert_id: 42 }), { timezone: 'UTC' });
  const failure = (p: Promise<void>) => p.then(() => undefined, (e: unknown) => e as ChannelError);

  it('POSTs the alert as JSON signed with the endpoint secret, with the send time in header and body', async () => {
    status = 200;
    await channel().send(n, { kind: 'webhook', endpoint: 'ha' });
    const r = received.at(-1)!;
    expect(r.verified).toBe(true);
    expect(r.headers['content-type']).toBe('application/json');
    expect(r.headers['x-vigil-timestamp']).toBe(String(NOW.getTime() / 1000));
    const body = JSON.parse(r.raw.toString()) as WebhookBody;
    expect(body).toEqual({ type: 'vigil.alert', sent_at: NOW.getTime() / 1000, subject: n.subject, alert: n.alert, links: { event: 'http://vigil.local/events/42' } });
    expect(r.raw.toString()).not.toContain(SECRET);
  });

  it('classifies answers: 4xx not retryable except 408/429, 5xx retryable', async () => {
    for (const [s, retryable] of [[400, false], [404, false], [408, true], [429, true], [500, true], [503, true]] as const) {
      status = s;
      const err = await failure(channel().send(n, { kind: 'webhook', endpoint: 'ha' }));
      expect(err, `HTTP ${s}`).toBeInstanceOf(ChannelError);
      expect(err!.retryable, `HTTP ${s}`).toBe(retryable);
      expect(err!.message).toContain(`answered HTTP ${s}: nope`);
    }
  });

  it('names an unreachable endpoint, a timeout and an unknown endpoint id, without the secret', async () => {
    const down = await failure(channel().send(n, { kind: 'webhook', endpoint: 'down' }));
    expect(down).toMatchObject({ retryable: true, message: expect.stringMatching(new RegExp(`^webhook: endpoint "down" \\(127\\.0\\.0\\.1:${closedPort}\\) unreachable: connect ECONNREFUSED`)) });
    const slow = await failure(channel().send(n, { kind: 'webhook', endpoint: 'slow' }));
    expect(slow).toMatchObject({ retryable: true, message: expect.stringContaining('no answer within 200 ms') });
    const unknown = await failure(channel().send(n, { kind: 'webhook', endpoint: 'nope' }));
    expect(unknown).toMatchObject({ retryable: false, message: 'webhook: no webhook endpoint "nope" is configured' });
    for (const e of [down, slow, unknown]) expect(e!.message).not.toContain(SECRET);
  });
});
