import { describe, expect, it } from 'vitest';
import { parseArray, toSafeInteger } from './values.ts';

describe('store value conversions', () => {
  it('parses PostgreSQL array text: nesting, quotes, escapes, NULL, empty', () => {
    expect(parseArray('{}', Number)).toEqual([]);
    expect(parseArray('{1,2,3}', Number)).toEqual([1, 2, 3]);
    expect(parseArray('{{1,2},{3,NULL}}', Number)).toEqual([[1, 2], [3, null]]);
    expect(parseArray('{"a b","c\\"d","e\\\\f","NULL",NULL}', (s) => s)).toEqual(['a b', 'c"d', 'e\\f', 'NULL', null]);
    expect(parseArray('{"(3,4),(1,2)";"(1,1),(0,0)"}', (s) => s, ';')).toEqual(['(3,4),(1,2)', '(1,1),(0,0)']);
    expect(parseArray('[0:1]={7,8}', Number)).toEqual([7, 8]);
  });

  it('throws on an unterminated array', () => {
    expect(() => parseArray('{1,2', Number)).toThrow('unterminated');
  });

  it('keeps int8 exact or throws', () => {
    expect(toSafeInteger('-9007199254740991')).toBe(-9007199254740991);
    expect(() => toSafeInteger('9007199254740993')).toThrow(RangeError);
  });
});
