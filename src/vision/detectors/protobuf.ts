/** A minimal protobuf writer, enough to encode ONNX models (converted detectors, test models). */

type Field = Uint8Array;

function varint(value: number | bigint): number[] {
  let v = BigInt.asUintN(64, BigInt(value));
  const bytes: number[] = [];
  while (v >= 0x80n) {
    bytes.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  bytes.push(Number(v));
  return bytes;
}

const tag = (field: number, wireType: number): number[] => varint((field << 3) | wireType);

export const int = (field: number, value: number | bigint): Field => Uint8Array.from([...tag(field, 0), ...varint(value)]);

export function bytes(field: number, value: Uint8Array): Field {
  // copied as bytes, never spread: a model's weights (megabytes) spread into a number[] took
  // ~30 bytes of JS heap per byte while a detector worker converted its model
  return concat([Uint8Array.from([...tag(field, 2), ...varint(value.length)]), value]);
}

export const str = (field: number, value: string): Field => bytes(field, new TextEncoder().encode(value));

export const message = (field: number, ...fields: Field[]): Field => bytes(field, concat(fields));

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
