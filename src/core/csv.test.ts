import { describe, expect, it } from 'vitest';
import { csvCell, csvLine } from './csv.ts';

describe('audit CSV', () => {
  it('quotes what needs quoting and doubles quotes', () => {
    expect(csvLine(['plain', 'a,b', 'say "hi"', 'two\nlines', null, 7])).toBe('plain,"a,b","say ""hi""","two\nlines",,7\r\n');
  });

  it('defuses cells a spreadsheet would run as formulas, but not numbers', () => {
    expect(['=1+1', '+1', '-1', '@A1', '\t=1', '\r=1'].map(csvCell)).toEqual(["'=1+1", "'+1", "'-1", "'@A1", "'\t=1", "\"'\r=1\""]);
    expect(csvCell(-5)).toBe('-5');
  });

  it('writes dates as ISO 8601 and objects as JSON', () => {
    expect(csvCell(new Date('2025-01-20T10:00:00Z'))).toBe('2025-01-20T10:00:00.000Z');
    expect(csvCell({ a: '=x' })).toBe('"{""a"":""=x""}"');
  });
});
