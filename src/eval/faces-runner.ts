import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createFaceEmbedder } from '../vision/faces/embedder.ts';
import type { FaceEmbedder, FaceEmbedderModel } from '../vision/faces/types.ts';
import { verificationMetrics } from './roc.ts';

export interface FacePair {
  x: string;
  y: string;
  same: boolean;
}

/** Parses a `file_x,file_y,Decision` CSV (Decision Yes/No); errors name the line and the cause. */
export function parsePairsCsv(text: string): FacePair[] {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const header = lines[0]?.split(',').map((c) => c.trim().toLowerCase());
  if (header?.join(',') !== 'file_x,file_y,decision') throw new Error(`pairs CSV: line 1 must be the header file_x,file_y,Decision (got "${lines[0] ?? ''}")`);
  const pairs: FacePair[] = [];
  for (const [i, line] of lines.entries()) {
    if (i === 0 || line === '') continue;
    const cols = line.split(',').map((c) => c.trim());
    if (cols.length !== 3) throw new Error(`pairs CSV: line ${i + 1} has ${cols.length} columns, expected 3`);
    const [x, y, decision] = cols as [string, string, string];
    if (!x || !y) throw new Error(`pairs CSV: line ${i + 1} has an empty file name`);
    const d = decision.toLowerCase();
    if (d !== 'yes' && d !== 'no') throw new Error(`pairs CSV: line ${i + 1}: Decision must be Yes or No (got "${decision}")`);
    pairs.push({ x, y, same: d === 'yes' });
  }
  if (pairs.length === 0) throw new Error('pairs CSV: no pairs');
  return pairs;
}

export interface FaceEvalOptions {
  /** path of the pairs CSV */
  pairs: string;
  /** folder the CSV's file names are relative to */
  images: string;
  /** default: a worker-thread embedder of this model (faceres) */
  embedder?: FaceEmbedder;
  model?: FaceEmbedderModel;
}

export interface FaceEvalResult {
  auc: number;
  accuracy: number;
  /** cosine similarity at or above which a pair is called the same person */
  threshold: number;
  /** pairs scored (pairs with a failed image are left out) */
  pairs: number;
  positives: number;
  negatives: number;
  embedder: FaceEmbedderModel;
  dim: number;
  /** images that gave no embedding, with the reason */
  failed: { file: string; reason: string }[];
}

const cosine = (a: readonly number[], b: readonly number[]): number => a.reduce((s, v, i) => s + v * b[i]!, 0);

/** Face verification on pairs: each image's largest face embedded, pairs scored by cosine similarity. */
export async function runFaceEval(opts: FaceEvalOptions): Promise<FaceEvalResult> {
  const pairs = parsePairsCsv(await readFile(opts.pairs, 'utf8'));
  const embedder = opts.embedder ?? (await createFaceEmbedder({ embedder: opts.model }));
  const embeddings = new Map<string, number[]>();
  const failed: FaceEvalResult['failed'] = [];
  try {
    for (const file of new Set(pairs.flatMap((p) => [p.x, p.y]))) {
      try {
        embeddings.set(file, (await embedder.embedImage(await readFile(path.resolve(opts.images, file)))).embedding);
      } catch (err) {
        failed.push({ file, reason: (err as Error).message });
      }
    }
  } finally {
    if (!opts.embedder) await embedder.close();
  }
  const scored = pairs.flatMap((p) => {
    const [a, b] = [embeddings.get(p.x), embeddings.get(p.y)];
    return a && b ? [{ score: cosine(a, b), same: p.same }] : [];
  });
  const m = verificationMetrics(scored);
  return {
    auc: m.auc, accuracy: m.accuracy, threshold: m.threshold, pairs: m.pairs, positives: m.positives, negatives: m.negatives,
    embedder: embedder.model, dim: embedder.dim, failed,
  };
}
