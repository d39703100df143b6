import { constants } from 'node:fs';
import { access, readFile, stat } from 'node:fs/promises';
import path from 'node:path';

/** Bytes per stored value of each tfjs weight dtype (a quantized weight is stored in its quantization dtype). */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

interface WeightEntry {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string };
}

interface ManifestJson {
  modelTopology?: unknown;
  weightsManifest?: { paths: string[]; weights: WeightEntry[] }[];
}

/**
 * Checks a tfjs graph model on disk without loading it (no tfjs, no WebAssembly memory): its
 * model.json parses and has a topology, every weight shard is a readable file, and the shards
 * hold exactly the bytes the manifest's weights need — a missing, truncated or foreign file fails
 * here with the file named, so a model loaded later does not fail for a reason known at start.
 */
export async function checkGraphModelFiles(jsonPath: string): Promise<void> {
  let json: ManifestJson;
  try {
    json = JSON.parse(await readFile(jsonPath, 'utf8')) as ManifestJson;
  } catch (err) {
    throw new Error(`model ${jsonPath}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `not readable as a model.json (${(err as Error).message})`}`);
  }
  if (!json.modelTopology || !Array.isArray(json.weightsManifest)) throw new Error(`model ${jsonPath}: no modelTopology or weightsManifest (not a tfjs graph model)`);
  let needed = 0;
  let present = 0;
  for (const group of json.weightsManifest) {
    for (const w of group.weights) {
      const bytes = DTYPE_BYTES[w.quantization?.dtype ?? w.dtype];
      if (bytes === undefined) throw new Error(`model ${jsonPath}: weight ${w.name} has an unknown dtype ${w.quantization?.dtype ?? w.dtype}`);
      needed += w.shape.reduce((n, d) => n * d, 1) * bytes;
    }
    for (const shard of group.paths) {
      const file = path.join(path.dirname(jsonPath), shard);
      try {
        const s = await stat(file);
        if (!s.isFile()) throw new Error('not a file');
        // readable by this process: the worker that loads it later runs as the same user
        await access(file, constants.R_OK);
        present += s.size;
      } catch (err) {
        throw new Error(`model ${jsonPath}: weight file ${file} ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'not found' : `not readable (${(err as Error).message})`}`);
      }
    }
  }
  if (present !== needed) throw new Error(`model ${jsonPath}: its weight files hold ${present} bytes where its manifest needs ${needed} (truncated or from another model)`);
}
