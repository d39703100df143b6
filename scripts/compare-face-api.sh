#!/bin/sh
# The measurement behind faces.embedder: @vladmandic/face-api's 128-d descriptor (its own SSD
# detector, 68 landmarks, aligned crop) on the same pairs as `vigil eval faces` (faceres).
# face-api is not a dependency of Vigil: it is installed into a temporary folder for this run.
# Usage: scripts/fetch-face-pairs.sh && scripts/compare-face-api.sh   (prints JSON with auc)
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
echo '{"name":"face-api-compare","private":true,"type":"module"}' > package.json
npm install --silent --no-audit --no-fund @vladmandic/face-api@1.7.15 @tensorflow/tfjs@4 @tensorflow/tfjs-backend-wasm@4 sharp >/dev/null 2>&1
sed '1,/^# --- measure.mjs ---$/d' "$root/scripts/compare-face-api.sh" > measure.mjs
FACES="$root/.cache/faces" node measure.mjs
exit 0
# --- measure.mjs ---
// Ad-hoc measurement: face-api 128-d descriptor (its own SSD detector + 68 landmarks + aligned crop) on Vigil's face pairs.
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import * as faceapi from '@vladmandic/face-api/dist/face-api.node-wasm.js';
const tf = faceapi.tf;
const wasm = await import('@tensorflow/tfjs-backend-wasm');
wasm.setWasmPaths(path.resolve('node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
await tf.setBackend('wasm'); await tf.ready();
const modelDir = 'node_modules/@vladmandic/face-api/model';
await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
const dir = `${process.env.FACES}/`;
const lines = fs.readFileSync(dir + 'pairs.csv', 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
const emb = new Map();
for (const f of new Set(lines.flatMap((l) => [l[0], l[1]]))) {
  const { data, info } = await sharp(dir + 'images/' + f).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const t = tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
  const all = await faceapi.detectAllFaces(t, new faceapi.SsdMobilenetv1Options({ minConfidence: 0.3 })).withFaceLandmarks().withFaceDescriptors();
  t.dispose();
  if (!all.length) { console.error('no face', f); continue; }
  const big = all.reduce((a, b) => (b.detection.box.area > a.detection.box.area ? b : a));
  emb.set(f, Array.from(big.descriptor));
}
const scored = lines.filter((l) => emb.has(l[0]) && emb.has(l[1])).map((l) => {
  const a = emb.get(l[0]), b = emb.get(l[1]);
  return { score: -Math.sqrt(a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0)), same: l[2] === 'Yes' };
});
// AUC (Mann-Whitney, ties half)
const pos = scored.filter((s) => s.same), neg = scored.filter((s) => !s.same);
let u = 0; for (const p of pos) for (const n of neg) u += p.score > n.score ? 1 : p.score === n.score ? 0.5 : 0;
console.log(JSON.stringify({ embedder: 'face-api', dim: 128, pairs: scored.length, positives: pos.length, negatives: neg.length, auc: u / (pos.length * neg.length), failed: [...new Set(lines.flatMap((l) => [l[0], l[1]]))].filter((f) => !emb.has(f)) }));
