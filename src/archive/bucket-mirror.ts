import { NotFoundError, type Bucket, type Objects } from '../objects/port.ts';
import { confirmCopy } from './verify.ts';

/**
 * Mirrors one bucket of the local object store (event clips) into the archive: list + head, copy
 * what is absent or of another size (a clip cut again for a longer event). Objects confirmed in
 * this process are remembered by size, so a steady state costs one listing; after a restart each
 * object costs one head, never a second upload. Local deletions are not propagated: the archive
 * policy decides what the archive keeps.
 */
export class BucketMirror {
  private confirmed = new Map<string, number>();

  constructor(private readonly source: Objects, private readonly target: Objects, readonly bucket: Bucket) {}

  async run(onCopied?: (bytes: number, uploaded: boolean) => void): Promise<{ uploaded: number; bytes: number }> {
    const seen = new Map<string, number>();
    const result = { uploaded: 0, bytes: 0 };
    for await (const o of this.source.list(this.bucket)) {
      if (this.confirmed.get(o.key) !== o.size) {
        let uploaded: boolean;
        try {
          uploaded = await confirmCopy(this.target, this.bucket, o.key, o.size, () => this.source.stream(this.bucket, o.key));
        } catch (e) {
          if (e instanceof NotFoundError) continue; // deleted locally since the listing
          throw e;
        }
        onCopied?.(o.size, uploaded);
        if (uploaded) {
          result.uploaded += 1;
          result.bytes += o.size;
        }
      }
      seen.set(o.key, o.size);
    }
    this.confirmed = seen;
    return result;
  }
}
