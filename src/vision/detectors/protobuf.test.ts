import { describe, expect, it } from 'vitest';
import { bytes, int, message } from './protobuf.ts';

describe('protobuf writer', () => {
  it('writes a length-delimited field as tag, varint length and the value bytes unchanged, however long', () => {
    const value = new Uint8Array(300_000).map((_, i) => (i * 7) & 0xff);
    const field = bytes(9, value);
    // tag: field 9, wire type 2; 300000 = 0xe0 0xa7 0x12 as a varint
    expect([...field.subarray(0, 4)]).toEqual([(9 << 3) | 2, 0xe0, 0xa7, 0x12]);
    expect(field.length).toBe(4 + value.length);
    expect(Buffer.from(field.subarray(4)).equals(Buffer.from(value))).toBe(true);
  });

  it('nests messages: a message is its fields, concatenated, as a length-delimited field', () => {
    expect([...message(2, int(1, 150), bytes(3, Uint8Array.of(7, 8)))]).toEqual([(2 << 3) | 2, 7, 1 << 3, 0x96, 0x01, (3 << 3) | 2, 2, 7, 8]);
  });
});
