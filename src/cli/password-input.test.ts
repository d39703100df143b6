import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { promptNewPassword, readPasswordFrom, type Terminal } from './password-input.ts';

/** A terminal whose keys are typed by the test and whose screen is kept. */
function fakeTerminal() {
  const input = Object.assign(new PassThrough(), { rawModes: [] as boolean[], setRawMode(raw: boolean) { this.rawModes.push(raw); return this; } });
  let screen = '';
  const output = new PassThrough();
  output.on('data', (d) => (screen += d.toString()));
  return { term: { input, output } as Terminal, input, screen: () => screen };
}

describe('password input', () => {
  it('reads stdin less one final line break', async () => {
    expect(await readPasswordFrom(Readable.from(['pass word\n']))).toBe('pass word');
    expect(await readPasswordFrom(Readable.from(['a\r\n']))).toBe('a');
    expect(await readPasswordFrom(Readable.from(['two\nlines\n']))).toBe('two\nlines');
    await expect(readPasswordFrom(Readable.from(['x'.repeat(5000)]))).rejects.toThrow(/more than 4096 bytes/);
  });

  it('asks twice without echo, with backspace, and again when the two differ', async () => {
    const t = fakeTerminal();
    const typed = promptNewPassword(t.term);
    const type = async (keys: string) => {
      await new Promise((r) => setImmediate(r));
      t.input.write(keys);
    };
    await type('secret-onX\u007fe\r');
    await type('secret-two\r');
    await type('secret-one\r');
    await type('secret-one\r');
    expect(await typed).toBe('secret-one');
    expect(t.screen()).not.toContain('secret');
    expect(t.screen()).toContain('The two differ');
    expect(t.input.rawModes.filter((r) => r)).toHaveLength(4);
    expect(t.input.rawModes.at(-1)).toBe(false);
  });

  it('cancels on Ctrl-C', async () => {
    const t = fakeTerminal();
    const typed = promptNewPassword(t.term);
    await new Promise((r) => setImmediate(r));
    t.input.write('abc\u0003');
    await expect(typed).rejects.toThrow('cancelled');
  });
});
