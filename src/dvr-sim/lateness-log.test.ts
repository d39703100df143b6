import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { latenessLogger } from './lateness-log.ts';

function captured(): { lines: Array<Record<string, unknown>>; report: ReturnType<typeof latenessLogger> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write(chunk: Buffer, _enc, done) { lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>); done(); } });
  return { lines, report: latenessLogger(pino({ level: 'info', base: undefined }, sink)) };
}

describe('latenessLogger', () => {
  afterEach(() => vi.useRealTimers());

  it('warns once when frames start being dropped and says once, with the total, when the clock keeps time again', () => {
    vi.useFakeTimers();
    const { lines, report } = captured();
    report({ lateMs: 700, skippedFrames: 17 });
    vi.advanceTimersByTime(2000);
    report({ lateMs: 200, skippedFrames: 0 }); // a burst: not worth an info line
    report({ lateMs: 1500, skippedFrames: 37 });
    vi.advanceTimersByTime(4900);
    expect(lines.map((l) => l.level)).toEqual([40]);
    vi.advanceTimersByTime(200);
    expect(lines).toMatchObject([
      { level: 40, late_ms: 700, skipped_frames: 17 },
      { level: 30, skipped_frames: 54, worst_late_ms: 1500, msg: 'dvr-sim: frame clock back on time' },
    ]);
    report({ lateMs: 600, skippedFrames: 15 }); // a new episode is loud again
    expect(lines.at(-1)).toMatchObject({ level: 40, skipped_frames: 15 });
  });
});
