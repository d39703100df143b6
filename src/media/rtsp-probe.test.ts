import { createHash } from 'node:crypto';
import net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { probeRtsp } from './rtsp-probe.ts';

const servers: net.Server[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
});

/** a TCP server on a free port answering each connection with `onData`; returns the port */
async function serve(onData: (req: string, s: net.Socket) => void): Promise<number> {
  const server = net.createServer((s) => {
    s.setEncoding('latin1');
    s.on('error', () => {});
    s.on('data', (d: string) => onData(d, s));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as net.AddressInfo).port;
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

describe('probeRtsp', () => {
  it('reports 200 and sends the URL without user info', async () => {
    let seen = '';
    const port = await serve((req, s) => {
      seen = req;
      s.end('RTSP/1.0 200 OK\r\nCSeq: 1\r\nContent-Length: 0\r\n\r\n');
    });
    const url = `rtsp://127.0.0.1:${port}/user=admin&password=pw&channel=1&stream=0.sdp?`;
    expect(await probeRtsp(url)).toEqual({ status: 200, reason: 'OK' });
    expect(seen.startsWith(`DESCRIBE ${url} RTSP/1.0\r\n`)).toBe(true);
  });

  it('answers a Digest challenge with the URL credentials', async () => {
    const port = await serve((req, s) => {
      const auth = /Authorization: (.*)\r\n/.exec(req)?.[1];
      const uri = `rtsp://127.0.0.1:${port}/live`;
      const good = `response="${md5(`${md5('admin:r:secret')}:n1:${md5(`DESCRIBE:${uri}`)}`)}"`;
      if (auth?.includes(good)) s.end('RTSP/1.0 200 OK\r\nCSeq: 2\r\n\r\n');
      // the challenge keeps the connection open: the answer comes on it, as RTSP clients send it
      else s.write(`RTSP/1.0 401 Unauthorized\r\nCSeq: ${auth ? 2 : 1}\r\nWWW-Authenticate: Digest realm="r", nonce="n1"\r\n\r\n`);
    });
    expect((await probeRtsp(`rtsp://admin:secret@127.0.0.1:${port}/live`)).status).toBe(200);
    expect((await probeRtsp(`rtsp://admin:wrong@127.0.0.1:${port}/live`)).status).toBe(401);
  });

  it('tells refused, silent and non-RTSP servers apart', async () => {
    const closed = await serve(() => {});
    await new Promise((r) => servers.pop()!.close(r));
    expect(await probeRtsp(`rtsp://127.0.0.1:${closed}/x`)).toEqual({ status: null, reason: 'ECONNREFUSED' });

    const silent = await serve(() => {});
    expect(await probeRtsp(`rtsp://127.0.0.1:${silent}/x`, 300)).toEqual({ status: null, reason: 'timeout' });

    const garbage = await serve((_req, s) => s.write(Buffer.alloc(64, 7)));
    expect(await probeRtsp(`rtsp://127.0.0.1:${garbage}/x`)).toEqual({ status: null, reason: 'not_rtsp' });
  });
});
