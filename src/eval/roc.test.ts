import { describe, expect, it } from 'vitest';
import { verificationMetrics } from './roc.ts';

const pairs = (list: [number, boolean][]) => list.map(([score, same]) => ({ score, same }));

describe('verificationMetrics', () => {
  it('perfect separation: AUC 1, accuracy 1 at the lowest same score', () => {
    const m = verificationMetrics(pairs([[0.9, true], [0.8, true], [0.3, false], [0.1, false]]));
    expect(m).toEqual({ auc: 1, threshold: 0.8, accuracy: 1, pairs: 4, positives: 2, negatives: 2 });
  });

  it('hand-computed mixed case', () => {
    // ranks: 0.9 S, 0.7 D, 0.6 S, 0.2 D → positives above negatives: (0.9>0.7, 0.9>0.2, 0.6>0.2) = 3 of 4
    const m = verificationMetrics(pairs([[0.6, true], [0.2, false], [0.9, true], [0.7, false]]));
    expect(m.auc).toBeCloseTo(0.75);
    // t=0.9 → 3/4 correct; t=0.6 → 3/4; the first (highest) best threshold is kept
    expect(m.threshold).toBe(0.9);
    expect(m.accuracy).toBeCloseTo(0.75);
  });

  it('ties between a same and a different pair count half', () => {
    expect(verificationMetrics(pairs([[0.5, true], [0.5, false]])).auc).toBeCloseTo(0.5);
    expect(verificationMetrics(pairs([[0.5, true], [0.5, false], [0.9, true], [0.1, false]])).auc).toBeCloseTo((1 + 1 + 0.5 + 1) / 4);
  });

  it('inverted scores: AUC 0, best accuracy is predicting all different', () => {
    const m = verificationMetrics(pairs([[0.1, true], [0.9, false]]));
    expect(m.auc).toBe(0);
    expect(m.accuracy).toBe(0.5);
    expect(m.threshold).toBeGreaterThan(0.9);
  });

  it('names what is missing', () => {
    expect(() => verificationMetrics(pairs([[0.5, true]]))).toThrow(/both same and different.*1 same, 0 different/);
    expect(() => verificationMetrics(pairs([[Number.NaN, true], [0.2, false]]))).toThrow(/not a finite number/);
  });
});
