import { Transform } from 'node:stream';

/**
 * A pass-through for a response body that gives up when the client stops reading. A download holds
 * something scarce (an export slot, a temp file): a client that opens it and then reads nothing,
 * or next to nothing, would hold it for ever. Chunks pass only as fast as the client takes them
 * (back-pressure), so no chunk for `idleMs` means the reader has stalled: `onStall` runs (it should
 * destroy the response) and the guard is destroyed, which ends the pipeline feeding it.
 */
export function stallGuard(idleMs: number, onStall: () => void): Transform {
  const guard = new Transform({
    transform(chunk: Buffer, _enc, done) {
      timer.refresh();
      done(null, chunk);
    },
  });
  const timer = setTimeout(() => {
    onStall();
    guard.destroy(new Error(`the client read nothing for ${idleMs} ms`));
  }, idleMs);
  guard.once('close', () => clearTimeout(timer));
  // the readable side ending means the last chunk went out: nothing left to stall on
  guard.once('end', () => clearTimeout(timer));
  return guard;
}
