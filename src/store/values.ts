/**
 * The value conversions both adapters apply on top of PostgreSQL's text output (see pglite.ts for
 * the whole mapping repositories rely on).
 */

/** int8 → number; a value beyond 2^53 throws rather than lose digits. */
export function toSafeInteger(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n)) throw new RangeError(`int8 value ${text} exceeds JavaScript's safe integer range`);
  return n;
}

/** numeric (DECIMAL confidence, SUM(bigint)) → number */
export const toNumber = (text: string): number => Number(text);

/**
 * PostgreSQL's text form of an array (`{1,2}`, `{{a,"b c"},{NULL,"d\"e"}}`) → nested JS arrays,
 * each element converted by `element`; an unquoted NULL is null. `delimiter` is ',' for every type
 * but box (';').
 */
export function parseArray(text: string, element: (text: string) => unknown, delimiter = ','): unknown[] {
  let i = 0;
  // an optional dimension prefix ([0:1]={…}) when lower bounds are not 1
  if (text[0] === '[') i = text.indexOf('=') + 1;
  const parseLevel = (): unknown[] => {
    const out: unknown[] = [];
    i++; // the opening brace
    while (i < text.length) {
      const c = text[i];
      if (c === '}') {
        i++;
        return out;
      }
      if (c === delimiter) {
        i++;
      } else if (c === '{') {
        out.push(parseLevel());
      } else if (c === '"') {
        let value = '';
        for (i++; text[i] !== '"'; i++) value += text[i] === '\\' ? text[++i] : text[i];
        i++;
        out.push(element(value));
      } else {
        let end = i;
        while (text[end] !== delimiter && text[end] !== '}') end++;
        const raw = text.slice(i, end);
        out.push(raw === 'NULL' ? null : element(raw));
        i = end;
      }
    }
    throw new Error('unterminated array value');
  };
  return parseLevel();
}
