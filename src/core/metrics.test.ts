import { describe, expect, it } from 'vitest';
import { registry } from './metrics.ts';

describe('process_memory_bytes', () => {
  it('reports this process\'s RSS and main-thread heap at scrape time', async () => {
    const text = await registry.metrics();
    const value = (kind: string): number => Number(new RegExp(`^process_memory_bytes\\{kind="${kind}"\\} (\\d+)$`, 'm').exec(text)?.[1] ?? NaN);
    expect(value('rss')).toBeGreaterThan(10 * 1024 * 1024);
    expect(value('heap_used')).toBeGreaterThan(0);
    expect(value('heap_used')).toBeLessThanOrEqual(value('heap_total'));
    expect(value('rss')).toBeGreaterThan(value('heap_used'));
    expect(value('external')).toBeGreaterThan(0);
  });
});
