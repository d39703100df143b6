/** One verification trial: a similarity score (higher = more alike) and whether the pair is the same identity. */
export interface ScoredPair {
  score: number;
  same: boolean;
}

export interface VerificationMetrics {
  /** area under the ROC curve (ties count half, as in the Mann–Whitney U statistic) */
  auc: number;
  /** "same" is predicted when score >= threshold; the threshold with the best accuracy */
  threshold: number;
  accuracy: number;
  pairs: number;
  positives: number;
  negatives: number;
}

/**
 * ROC AUC, and the accuracy-maximising threshold, of face verification pairs.
 * Throws when there is not at least one same and one different pair (AUC undefined).
 */
export function verificationMetrics(pairs: readonly ScoredPair[]): VerificationMetrics {
  const positives = pairs.filter((p) => p.same).length;
  const negatives = pairs.length - positives;
  if (positives === 0 || negatives === 0) {
    throw new Error(`ROC needs both same and different pairs (got ${positives} same, ${negatives} different)`);
  }
  for (const p of pairs) if (!Number.isFinite(p.score)) throw new Error(`pair score is not a finite number: ${p.score}`);
  const sorted = [...pairs].sort((a, b) => b.score - a.score);

  // Walk distinct scores from high to low: each is a candidate threshold (everything above or at it is "same").
  let tp = 0;
  let fp = 0;
  let auc = 0;
  // threshold above every score: all predicted different
  let best = { threshold: sorted[0]!.score + 1, correct: negatives };
  for (let i = 0; i < sorted.length; ) {
    const score = sorted[i]!.score;
    let dtp = 0;
    let dfp = 0;
    for (; i < sorted.length && sorted[i]!.score === score; i++) {
      if (sorted[i]!.same) dtp++;
      else dfp++;
    }
    // trapezoid between the previous and this ROC point, in counts (a tie group is a diagonal step)
    auc += dfp * (tp + dtp / 2);
    tp += dtp;
    fp += dfp;
    const correct = tp + (negatives - fp);
    if (correct > best.correct) best = { threshold: score, correct };
  }
  return {
    auc: auc / (positives * negatives),
    threshold: best.threshold,
    accuracy: best.correct / pairs.length,
    pairs: pairs.length, positives, negatives,
  };
}
