import type { GtBox } from './mot-format.ts';

/** Person-height buckets (px, lower bound inclusive) of the recall report. */
const HEIGHT_EDGES = [30, 60, 100, 150, 200, 300];
export const CUT_BUCKET = 'cut_by_frame_edge';

function bucketOf(box: GtBox): string {
  if (box.cut) return CUT_BUCKET;
  const h = box.bbox[3] - box.bbox[1];
  const upper = HEIGHT_EDGES.findIndex((edge) => h < edge);
  if (upper === 0) return `<${HEIGHT_EDGES[0]}`;
  if (upper < 0) return `>=${HEIGHT_EDGES.at(-1)}`;
  return `${HEIGHT_EDGES[upper - 1]}-${HEIGHT_EDGES[upper]}`;
}

const BUCKETS = [`<${HEIGHT_EDGES[0]}`, ...HEIGHT_EDGES.slice(1).map((e, i) => `${HEIGHT_EDGES[i]}-${e}`), `>=${HEIGHT_EDGES.at(-1)}`, CUT_BUCKET];

export interface HeightRecall {
  gt: number;
  tp: number;
  recall: number;
}

/**
 * Recall by person height: every scored ground-truth box (ignore regions are not) counted in the
 * bucket of its height, people cut by the frame edge in a bucket of their own (their box shows
 * only part of them). Empty buckets are left out.
 */
export class HeightTally {
  private readonly counts = new Map<string, { gt: number; tp: number }>();

  add(gt: readonly GtBox[], found: readonly boolean[]): void {
    gt.forEach((box, i) => {
      if (box.ignore) return;
      const bucket = bucketOf(box);
      const c = this.counts.get(bucket) ?? { gt: 0, tp: 0 };
      c.gt++;
      if (found[i]) c.tp++;
      this.counts.set(bucket, c);
    });
  }

  report(): Record<string, HeightRecall> {
    const out: Record<string, HeightRecall> = {};
    for (const bucket of BUCKETS) {
      const c = this.counts.get(bucket);
      if (c) out[bucket] = { gt: c.gt, tp: c.tp, recall: Math.round((c.tp / c.gt) * 10000) / 10000 };
    }
    return out;
  }
}
