/**
 * Who needs a camera's live packets right now, as counted claims: each consumer (a WebRTC viewer,
 * frames for analysis, LL-HLS players, a snapshot) claims the feed and releases its claim when
 * done. The feed flows while any claim is held, so a camera nobody watches or analyses costs only
 * its recording.
 */
export class Demand {
  /** open claims by reason */
  private readonly claims = new Map<string, number>();

  /** @param onChange called when the first claim opens (true) and when the last one is released (false) */
  constructor(private readonly onChange: (wanted: boolean) => void) {}

  get wanted(): boolean {
    return this.claims.size > 0;
  }

  /** What holds the feed now, e.g. ['analysis', 'webrtc']. */
  get reasons(): string[] {
    return [...this.claims.keys()].sort();
  }

  /** A consumer needs the feed until it calls the release returned (once: later calls do nothing). */
  claim(reason: string): () => void {
    const first = this.claims.size === 0;
    this.claims.set(reason, (this.claims.get(reason) ?? 0) + 1);
    if (first) this.onChange(true);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = this.claims.get(reason)! - 1;
      if (left > 0) this.claims.set(reason, left);
      else this.claims.delete(reason);
      if (this.claims.size === 0) this.onChange(false);
    };
  }

  /**
   * A claim held while something keeps being used without telling when it stops (players polling
   * a playlist): each use() claims the feed, or keeps the claim for `idleMs` more; idle that long,
   * it is released.
   */
  whileUsed(reason: string, idleMs: number): { use(): void; stop(): void } {
    let release: (() => void) | undefined;
    let timer: NodeJS.Timeout | undefined;
    const stop = (): void => {
      clearTimeout(timer);
      release?.();
      release = undefined;
    };
    return {
      use: () => {
        release ??= this.claim(reason);
        clearTimeout(timer);
        timer = setTimeout(stop, idleMs);
        // a player's claim must not keep the process alive at shutdown
        timer.unref();
      },
      stop,
    };
  }
}
