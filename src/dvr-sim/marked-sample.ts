/**
 * A synthetic DVR clip whose every frame carries its frame number as a barcode: a row of black/white
 * blocks across the top (bit i = block i, least significant first). The simulator sends clip frame k
 * at known wall-clock times (see DvrSim.frameClock), so a viewer that reads the barcode off the
 * screen knows how old the picture it shows is: glass-to-glass latency.
 */
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_SAMPLE_DIR, encode, type Sample } from './sample.ts';

export const FRAME_MARK = { bits: 16, blockWidth: 60, height: 48 } as const;
const SECONDS = 20;

/** The lavfi source: the test pattern with the frame number drawn on at encode time. */
export function markedSource(seconds = SECONDS): string {
  const { bits, blockWidth, height } = FRAME_MARK;
  const blocks = Array.from({ length: bits }, (_, i) =>
    `drawbox=x=${i * blockWidth}:y=0:w=${blockWidth}:h=${height}:color=white:t=fill:enable='bitand(n\\,${2 ** i})'`);
  return [`testsrc2=size=960x1080:rate=25:duration=${seconds}`, `drawbox=x=0:y=0:w=960:h=${height}:color=black:t=fill`, ...blocks].join(',');
}

/** Encodes the marked clip once (main and sub streams, like ensureSample) and returns its files. */
export async function ensureMarkedSample(cacheDir = DEFAULT_SAMPLE_DIR): Promise<Pick<Sample, 'main' | 'sub'>> {
  const sample = { main: join(cacheDir, 'marked-main.h264'), sub: join(cacheDir, 'marked-sub.h264') };
  const present = await Promise.all([sample.main, sample.sub].map((p) => stat(p).then((s) => s.size > 0, () => false)));
  if (present.every(Boolean)) return sample;
  await mkdir(cacheDir, { recursive: true });
  await encode(['-f', 'lavfi', '-i', markedSource()], sample);
  return sample;
}

/** The frame number a barcode shows, from the luma (0–255) at the centre of each block. */
export function decodeMark(blockLuma: number[]): number {
  return blockLuma.reduce((n, luma, i) => (luma > 128 ? n + 2 ** i : n), 0);
}
