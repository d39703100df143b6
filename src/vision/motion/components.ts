/** Binary-image helpers for motion: dilation and connected components as boxes. */

/** A box in analysis pixels, right/bottom exclusive, with the count of foreground pixels in it. */
export interface Blob {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  pixels: number;
}

/** Square dilation by `radius` pixels (separable: rows then columns). */
export function dilate(src: Uint8Array, width: number, height: number, radius: number): Uint8Array {
  if (radius <= 0) return src;
  const rows = new Uint8Array(src.length);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      if (!src[row + x]) continue;
      const from = Math.max(0, x - radius);
      const to = Math.min(width - 1, x + radius);
      rows.fill(1, row + from, row + to + 1);
    }
  }
  const out = new Uint8Array(src.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!rows[y * width + x]) continue;
      const from = Math.max(0, y - radius);
      const to = Math.min(height - 1, y + radius);
      for (let yy = from; yy <= to; yy++) out[yy * width + x] = 1;
    }
  }
  return out;
}

/** 4-connected components of the foreground, as bounding boxes with their pixel counts. */
export function connectedBoxes(mask: Uint8Array, width: number, height: number): Blob[] {
  const seen = new Uint8Array(mask.length);
  const stack = new Int32Array(mask.length);
  const blobs: Blob[] = [];
  for (let start = 0; start < mask.length; start++) {
    if (!mask[start] || seen[start]) continue;
    let top = 0;
    stack[top++] = start;
    seen[start] = 1;
    const blob: Blob = { x1: width, y1: height, x2: 0, y2: 0, pixels: 0 };
    while (top > 0) {
      const i = stack[--top]!;
      const x = i % width;
      const y = (i - x) / width;
      blob.pixels++;
      if (x < blob.x1) blob.x1 = x;
      if (y < blob.y1) blob.y1 = y;
      if (x + 1 > blob.x2) blob.x2 = x + 1;
      if (y + 1 > blob.y2) blob.y2 = y + 1;
      const push = (j: number): void => {
        if (mask[j] && !seen[j]) {
          seen[j] = 1;
          stack[top++] = j;
        }
      };
      if (x > 0) push(i - 1);
      if (x + 1 < width) push(i + 1);
      if (y > 0) push(i - width);
      if (y + 1 < height) push(i + width);
    }
    blobs.push(blob);
  }
  return blobs;
}

/** Merges boxes closer than `gap` pixels (the parts of one walker: head, torso, legs) until none are. */
export function mergeNearby(blobs: readonly Blob[], gap: number): Blob[] {
  const out = blobs.map((b) => ({ ...b }));
  let merged = true;
  while (merged) {
    merged = false;
    for (let i = 0; i < out.length && !merged; i++) {
      for (let j = i + 1; j < out.length; j++) {
        const a = out[i]!;
        const b = out[j]!;
        if (a.x1 - gap > b.x2 || b.x1 - gap > a.x2 || a.y1 - gap > b.y2 || b.y1 - gap > a.y2) continue;
        out[i] = { x1: Math.min(a.x1, b.x1), y1: Math.min(a.y1, b.y1), x2: Math.max(a.x2, b.x2), y2: Math.max(a.y2, b.y2), pixels: a.pixels + b.pixels };
        out.splice(j, 1);
        merged = true;
        break;
      }
    }
  }
  return out;
}
