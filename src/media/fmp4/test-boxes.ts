/** Reads ISO BMFF boxes back, for tests of what the fMP4 writer and the LL-HLS packager produce. */

export interface Box {
  type: string;
  /** the box's payload (after its 8-byte header) */
  body: Buffer;
}

/** The boxes laid end to end in `buf`; throws when a size does not add up. */
export function boxes(buf: Buffer): Box[] {
  const out: Box[] = [];
  for (let at = 0; at < buf.length;) {
    const size = buf.readUInt32BE(at);
    if (size < 8 || at + size > buf.length) throw new Error(`box at ${at} has size ${size} in ${buf.length} bytes`);
    out.push({ type: buf.toString('latin1', at + 4, at + 8), body: buf.subarray(at + 8, at + size) });
    at += size;
  }
  return out;
}

/** The first box along `path` (e.g. ['moof', 'traf', 'trun']) inside `buf`. */
export function find(buf: Buffer, path: readonly string[]): Box {
  let box: Box | undefined;
  let within = buf;
  for (const type of path) {
    box = boxes(within).find((b) => b.type === type);
    if (!box) throw new Error(`no ${type} box on ${path.join('/')}`);
    within = box.body;
  }
  return box!;
}

export interface Fragment {
  sequence: number;
  baseDecodeTime: number;
  samples: Array<{ duration: number; size: number; sync: boolean }>;
  /** trun's data offset, from the start of the moof */
  dataOffset: number;
}

/** A moof + mdat as written with sample duration, size and flags in trun. */
export function readFragment(buf: Buffer): Fragment {
  const mfhd = find(buf, ['moof', 'mfhd']).body;
  const tfdt = find(buf, ['moof', 'traf', 'tfdt']).body;
  const trun = find(buf, ['moof', 'traf', 'trun']).body;
  const count = trun.readUInt32BE(4);
  const samples = Array.from({ length: count }, (_, i) => ({
    duration: trun.readUInt32BE(12 + i * 12),
    size: trun.readUInt32BE(16 + i * 12),
    sync: (trun.readUInt32BE(20 + i * 12) & 0x0001_0000) === 0,
  }));
  return { sequence: mfhd.readUInt32BE(4), baseDecodeTime: Number(tfdt.readBigUInt64BE(4)), samples, dataOffset: trun.readUInt32BE(8) };
}
