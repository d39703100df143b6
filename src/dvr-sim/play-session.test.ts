import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { AccessUnit, H264Clip } from '../media/h264.ts';
import { PlaySession } from './play-session.ts';

const sps = Buffer.from('674d4020da03c0227e', 'hex');
const pps = Buffer.from('68ef0fc8', 'hex');
const idr: AccessUnit = { nals: [Buffer.from('6588840011', 'hex')], idr: true };
const p: AccessUnit = { nals: [Buffer.from('419a2201', 'hex')], idr: false };
// GOP of 4: IDR at clip frames 0 and 4
const clip: H264Clip = { sps, pps, frames: [idr, p, p, p, idr, p, p, p], profileLevelId: '4D4020', spropParameterSets: '' };

/** A socket that keeps what is written; `writableLength` stands for bytes the client has not read. */
function fakeSocket(): { socket: Socket; packets: () => Array<{ seq: number; ts: number; nal: number }>; backlog: (n: number) => void } {
  const writes: Buffer[] = [];
  const state = { destroyed: false, writable: true, writableLength: 0, write: (b: Buffer) => writes.push(b) };
  const packets = () => {
    const out: Array<{ seq: number; ts: number; nal: number }> = [];
    for (let at = 0, all = Buffer.concat(writes); at < all.length; at += 4 + all.readUInt16BE(at + 2)) {
      expect(all[at]).toBe(0x24);
      out.push({ seq: all.readUInt16BE(at + 6), ts: all.readUInt32BE(at + 8), nal: all[at + 16]! & 0x1f });
    }
    return out;
  };
  return { socket: state as unknown as Socket, packets, backlog: (n) => (state.writableLength = n) };
}

const session = (socket: Socket) => new PlaySession({ socket, clip, clipOffset: 0, fps: 25, interleavedChannel: 0, ssrc: 1, initialSeq: 65534, initialRtpTime: 1000 });

describe('PlaySession', () => {
  it('sends first the packet RTP-Info announced (seq and rtptime), at an IDR with SPS, however late the first frame comes', () => {
    const { socket, packets } = fakeSocket();
    const s = session(socket);
    s.onFrame(101, false); // clip frame 5: no IDR, nothing sent yet
    s.onFrame(102, true);
    expect(packets()).toEqual([]);
    s.onFrame(132, false); // the clock skipped ahead (stalled process): clip frame 4 is an IDR
    expect(packets()[0]).toEqual({ seq: 65534, ts: 1000, nal: 7 });
    expect(packets().map((x) => x.nal)).toEqual([7, 8, 5]);
  });

  it('keeps sequence numbers gap-free and timestamps on the clock across skipped frames and a backed-up client', () => {
    const { socket, packets, backlog } = fakeSocket();
    const s = session(socket);
    s.onFrame(0, true);
    s.onFrame(1, true);
    s.onFrame(3, false); // skipped frame 2; waits for the next IDR
    s.onFrame(4, true);
    backlog(3 << 20); // the client stopped reading: frames are dropped, not queued
    s.onFrame(5, true);
    s.onFrame(8, true);
    backlog(0);
    s.onFrame(9, true); // not an IDR: still resyncing
    s.onFrame(12, true);
    const sent = packets();
    expect(sent.map((x) => x.seq)).toEqual([65534, 65535, 0, 1, 2, 3, 4, 5, 6, 7]);
    // frames 0, 1, 4 and 12: 3600 ticks (90 kHz / 25 fps) per clock frame
    expect([...new Set(sent.map((x) => x.ts))]).toEqual([1000, 1000 + 3600, 1000 + 4 * 3600, 1000 + 12 * 3600]);
  });
});
