import { readFile } from 'node:fs/promises';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';
import { packageDir } from './human-models.ts';

let backendReady: Promise<void> | undefined;

/**
 * Selects the tfjs WebAssembly backend (SIMD, one thread: wasm threads fail in Node, so
 * parallelism comes from one model per worker_thread). The .wasm files are read from disk.
 */
export function initWasmBackend(): Promise<void> {
  backendReady ??= (async () => {
    setWasmPaths(`${path.join(packageDir('@tensorflow/tfjs-backend-wasm'), 'dist')}${path.sep}`);
    if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
    await tf.ready();
  })();
  return backendReady;
}

interface ModelJson {
  modelTopology: object;
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  signature?: object;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
}

/** Loads a tfjs graph model from a local model.json and its weight shards, without fetch. */
export async function loadLocalGraphModel(jsonPath: string): Promise<GraphModel> {
  const handler: tf.io.IOHandler = {
    load: async () => {
      const json = JSON.parse(await readFile(jsonPath, 'utf8')) as ModelJson;
      const shards = json.weightsManifest.flatMap((group) => group.paths);
      const buffers = await Promise.all(shards.map((p) => readFile(path.join(path.dirname(jsonPath), p))));
      const weights = Buffer.concat(buffers);
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy ?? null,
        signature: json.signature,
        weightSpecs: json.weightsManifest.flatMap((group) => group.weights),
        weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
      };
    },
  };
  return loadGraphModel(handler);
}
