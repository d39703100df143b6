import { afterEach, describe, expect, it, vi } from 'vitest';
import { FrameClock, MAX_CATCH_UP_FRAMES, type ClockLateness } from './frame-clock.ts';

const block = (ms: number): void => {
  for (const end = performance.now() + ms; performance.now() < end; );
};

describe('FrameClock', () => {
  let clock: FrameClock | undefined;
  afterEach(() => clock?.stop());

  it('after a stall longer than the catch-up limit drops the missed frames, says so, and marks the next frame not contiguous', async () => {
    const late: ClockLateness[] = [];
    clock = new FrameClock(25, (l) => late.push(l));
    const seen: Array<[number, boolean]> = [];
    let stalled = false;
    clock.subscribe((frame, contiguous) => {
      seen.push([frame, contiguous]);
      if (!stalled) {
        stalled = true;
        block((MAX_CATCH_UP_FRAMES + 5) * 40); // the process does not run for 17 frame times
      }
    });
    await vi.waitFor(() => expect(seen.some(([, contiguous]) => !contiguous)).toBe(true), { timeout: 5000 });
    const resumed = seen.findIndex(([, contiguous]) => !contiguous);
    const jump = seen[resumed]![0] - seen[resumed - 1]![0] - 1;
    expect(jump).toBeGreaterThan(MAX_CATCH_UP_FRAMES);
    expect(late.find((l) => l.skippedFrames > 0)).toMatchObject({ skippedFrames: jump });
    expect(late[0]!.lateMs).toBeGreaterThan(MAX_CATCH_UP_FRAMES * 40);
    expect(clock.skippedFrames).toBeGreaterThanOrEqual(jump);
  });

  it('never skips a frame number without marking the frame after it not contiguous and counting the skipped frames', async () => {
    clock = new FrameClock(25);
    const seen: Array<[number, boolean]> = [];
    clock.subscribe((frame, contiguous) => {
      seen.push([frame, contiguous]);
      if (seen.length % 5 === 0) block(150); // short stalls: the backlog is sent as a burst
    });
    await vi.waitFor(() => expect(seen.length).toBeGreaterThan(30), { timeout: 10_000 });
    let missing = 0;
    for (let i = 1; i < seen.length; i++) {
      const [frame, contiguous] = seen[i]!;
      if (contiguous) expect(frame).toBe(seen[i - 1]![0] + 1);
      else missing += frame - seen[i - 1]![0] - 1;
    }
    expect(clock.skippedFrames).toBe(missing);
  });
});
