import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { stallGuard } from './stall-guard.ts';

const source = (chunks: number) => Readable.from(Array.from({ length: chunks }, () => Buffer.alloc(64 * 1024)));

describe('stallGuard', () => {
  it('passes a body read at any pace that keeps going', async () => {
    let received = 0;
    let stalled = false;
    const slowButSteady = new Writable({
      highWaterMark: 1,
      write(chunk: Buffer, _e, done) {
        received += chunk.length;
        setTimeout(done, 20);
      },
    });
    await pipeline(source(20), stallGuard(500, () => { stalled = true; }), slowButSteady);
    expect(received).toBe(20 * 64 * 1024);
    expect(stalled).toBe(false);
  });

  it('gives up on a reader that stops, ending the source', async () => {
    let stalled = false;
    const src = source(1000);
    const stuck = new Writable({ highWaterMark: 1, write() { /* never calls back: the client stopped reading */ } });
    await expect(pipeline(src, stallGuard(300, () => { stalled = true; }), stuck)).rejects.toThrow(/read nothing for 300 ms/);
    expect(stalled).toBe(true);
    expect(src.destroyed).toBe(true);
  });
});
