/**
 * One camera's frames on their way to its (sequential) analyzer: at most `max` wait; a newer
 * frame pushes the oldest waiting one out, because live analysis wants the newest frame and a
 * backlog would only add latency. Frames run one at a time, in arrival order.
 */
export class FrameLane<T> {
  private readonly waiting: T[] = [];
  private current: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly max: number,
    /** analyses one frame; must not throw (a rejection is passed to onError) */
    private readonly run: (item: T) => Promise<void>,
    private readonly onDrop: (item: T) => void,
    private readonly onError: (item: T, err: unknown) => void,
  ) {}

  get depth(): number {
    return this.waiting.length;
  }

  offer(item: T): void {
    if (this.closed) return this.onDrop(item);
    this.waiting.push(item);
    if (this.waiting.length > this.max) this.onDrop(this.waiting.shift()!);
    this.current ??= this.drain();
  }

  /** Drops what waits and resolves once the frame in progress is done. */
  async close(): Promise<void> {
    this.closed = true;
    for (const item of this.waiting.splice(0)) this.onDrop(item);
    await this.current;
  }

  private async drain(): Promise<void> {
    for (let item = this.waiting.shift(); item !== undefined; item = this.waiting.shift()) {
      try {
        await this.run(item);
      } catch (err) {
        this.onError(item, err);
      }
    }
    this.current = undefined;
  }
}
