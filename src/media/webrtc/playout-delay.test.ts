import { RtpHeader, RtpPacket } from 'werift';
import { describe, expect, it } from 'vitest';
import { playoutDelayPayload, withPlayoutDelay } from './playout-delay.ts';

/** A source packet as a camera sends it, with an extension of its own under id 3. */
function cameraPacket(): Buffer {
  const header = new RtpHeader({ payloadType: 96, sequenceNumber: 7, timestamp: 90_000, ssrc: 0x1234, marker: true, extensions: [{ id: 3, payload: Buffer.from([1, 2]) }] });
  return new RtpPacket(header, Buffer.from([0x65, 0xaa, 0xbb])).serialize();
}

describe('playout delay', () => {
  it('packs minimum and maximum as 12 bits each in 10 ms units, within the field', () => {
    expect([...playoutDelayPayload(0, 0)]).toEqual([0, 0, 0]);
    expect([...playoutDelayPayload(100, 1000)]).toEqual([0x00, 0xa0, 0x64]);
    expect([...playoutDelayPayload(-5, 99_999)]).toEqual([0x00, 0x0f, 0xff]);
  });

  it('replaces the camera\'s extensions with render-at-once under the viewer\'s id, payload and header otherwise unchanged', () => {
    const out = RtpPacket.deSerialize(withPlayoutDelay(cameraPacket(), 5).serialize());
    expect(out.header.extensions).toEqual([{ id: 5, payload: Buffer.from([0, 0, 0]) }]);
    expect(out.header).toMatchObject({ payloadType: 96, sequenceNumber: 7, timestamp: 90_000, marker: true });
    expect([...out.payload]).toEqual([0x65, 0xaa, 0xbb]);
  });

  it('sends no extension to a viewer that did not offer it', () => {
    const out = RtpPacket.deSerialize(withPlayoutDelay(cameraPacket(), undefined).serialize());
    expect(out.header.extension).toBe(false);
    expect(out.header.extensions).toEqual([]);
    expect([...out.payload]).toEqual([0x65, 0xaa, 0xbb]);
  });
});
