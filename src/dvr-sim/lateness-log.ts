import type { Logger } from '../core/log.ts';
import type { ClockLateness } from './frame-clock.ts';

// the clock counts as back on time after this long without dropping a frame
const ON_TIME_AFTER_MS = 5000;

/**
 * Logs the simulator falling behind its frame clock once when it starts dropping frames and once
 * when it has kept time again for a while (with what the episode cost); bursts are debug lines.
 */
export function latenessLogger(log: Logger): (lateness: ClockLateness) => void {
  let episode: { skippedFrames: number; worstLateMs: number; timer: NodeJS.Timeout } | undefined;
  const clear = (): void => {
    if (!episode) return;
    log.info({ skipped_frames: episode.skippedFrames, worst_late_ms: Math.round(episode.worstLateMs) }, 'dvr-sim: frame clock back on time');
    episode = undefined;
  };
  return ({ lateMs, skippedFrames }) => {
    if (skippedFrames === 0) {
      log.debug({ late_ms: Math.round(lateMs) }, 'dvr-sim: frame clock late, missed frames sent as a burst');
      return;
    }
    if (!episode) {
      log.warn({ late_ms: Math.round(lateMs), skipped_frames: skippedFrames }, 'dvr-sim: frame clock fell behind (process not running on time): frames dropped, clients resume at the next keyframe');
      episode = { skippedFrames: 0, worstLateMs: 0, timer: setTimeout(clear, ON_TIME_AFTER_MS) };
      episode.timer.unref();
    }
    episode.skippedFrames += skippedFrames;
    episode.worstLateMs = Math.max(episode.worstLateMs, lateMs);
    episode.timer.refresh();
  };
}
