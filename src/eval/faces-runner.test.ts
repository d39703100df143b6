import { describe, expect, it } from 'vitest';
import { parsePairsCsv } from './faces-runner.ts';

describe('parsePairsCsv', () => {
  it('reads Yes/No pairs, any case, skipping blank lines', () => {
    expect(parsePairsCsv('file_x,file_y,Decision\na.jpg,b.jpg,Yes\r\n\na.jpg,c.jpg,no\n')).toEqual([
      { x: 'a.jpg', y: 'b.jpg', same: true },
      { x: 'a.jpg', y: 'c.jpg', same: false },
    ]);
  });

  it('names the line and the cause of bad input', () => {
    expect(() => parsePairsCsv('a,b,c\n')).toThrow(/line 1 must be the header/);
    expect(() => parsePairsCsv('file_x,file_y,Decision\na.jpg,b.jpg\n')).toThrow(/line 2 has 2 columns/);
    expect(() => parsePairsCsv('file_x,file_y,Decision\na.jpg,b.jpg,Yes\na.jpg,c.jpg,maybe\n')).toThrow(/line 3: Decision must be Yes or No \(got "maybe"\)/);
    expect(() => parsePairsCsv('file_x,file_y,Decision\n,b.jpg,No\n')).toThrow(/line 2 has an empty file name/);
    expect(() => parsePairsCsv('file_x,file_y,Decision\n')).toThrow(/no pairs/);
  });
});
