import type { BusRecord } from './port.ts';

export interface Retention {
  /** oldest records beyond this count are dropped (per partition) */
  maxRecordsPerPartition?: number;
  /** records older than this are dropped when the partition is next appended to */
  maxAgeMs?: number;
}

/** A stored record: its value encoded by the topic's codec. */
type StoredRecord = BusRecord<Buffer>;

/**
 * One partition's append-only log. Offsets are never reused; retention drops records from the
 * front (releasing their values at once, since frames carry JPEG buffers) and `earliest` moves up.
 */
export class PartitionLog {
  private records: Array<StoredRecord | undefined> = [];
  /** offset of records[0] */
  private base = 0;
  /** index of the earliest retained record in `records` */
  private head = 0;

  constructor(private readonly retention: Retention) {}

  get earliest(): number {
    return this.base + this.head;
  }

  /** offset the next appended record gets */
  get end(): number {
    return this.base + this.records.length;
  }

  append(make: (offset: number) => StoredRecord): StoredRecord {
    const record = make(this.end);
    this.records.push(record);
    this.trim(record.timestamp);
    return record;
  }

  at(offset: number): StoredRecord | undefined {
    return offset >= this.earliest ? this.records[offset - this.base] : undefined;
  }

  private trim(now: number): void {
    const { maxRecordsPerPartition: maxCount, maxAgeMs } = this.retention;
    while (maxCount !== undefined && this.end - this.earliest > maxCount) this.dropHead();
    while (maxAgeMs !== undefined && this.head < this.records.length && this.records[this.head]!.timestamp < now - maxAgeMs) this.dropHead();
    // compact once the dropped prefix dominates, so the array stays bounded and slicing stays amortised O(1)
    if (this.head >= 1024 && this.head * 2 >= this.records.length) {
      this.records = this.records.slice(this.head);
      this.base += this.head;
      this.head = 0;
    }
  }

  private dropHead(): void {
    this.records[this.head] = undefined;
    this.head++;
  }
}
