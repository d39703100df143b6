import type { FrameMessage } from '../core/types.ts';

/**
 * How a topic's values become the bytes a broker stores. Both adapters store bytes, so a value a
 * handler receives is always its own copy, and whatever survives the memory bus survives Kafka.
 */
export interface Codec<T = unknown> {
  encode(value: T): Buffer;
  decode(bytes: Buffer): T;
}

/** Plain JSON (UTF-8): the detection, alert, metric and notification topics. */
export const jsonCodec: Codec = {
  encode: (value) => Buffer.from(JSON.stringify(value) ?? 'null', 'utf8'),
  decode: (bytes) => JSON.parse(bytes.toString('utf8')) as unknown,
};

const HEADER_LENGTH_BYTES = 4;

/**
 * Frames carry a ~100 kB JPEG: a 4-byte big-endian length, the other fields as JSON, then the
 * JPEG bytes as they are (byte-exact, no base64 growth). Decoding copies the JPEG out, so a frame
 * kept by a handler does not pin the whole fetched batch in memory.
 */
export const frameCodec: Codec<FrameMessage> = {
  encode({ jpeg, ...fields }) {
    if (!(jpeg instanceof Uint8Array)) throw new TypeError('a frame message needs its jpeg bytes');
    const header = Buffer.from(JSON.stringify(fields), 'utf8');
    const prefix = Buffer.allocUnsafe(HEADER_LENGTH_BYTES);
    prefix.writeUInt32BE(header.length);
    return Buffer.concat([prefix, header, jpeg]);
  },
  decode(bytes) {
    const headerEnd = HEADER_LENGTH_BYTES + bytes.readUInt32BE(0);
    if (headerEnd > bytes.length) throw new RangeError(`frame header of ${headerEnd} bytes exceeds the ${bytes.length}-byte message`);
    const fields = JSON.parse(bytes.toString('utf8', HEADER_LENGTH_BYTES, headerEnd)) as Omit<FrameMessage, 'jpeg'>;
    return { ...fields, jpeg: Buffer.from(bytes.subarray(headerEnd)) };
  },
};
