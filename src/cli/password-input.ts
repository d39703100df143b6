/**
 * A new password for `vigil users add`: from standard input for automation (`--password-stdin`,
 * never argv, which any local user sees in `ps`), or typed twice at a terminal without echo.
 */

/** stdin holds one password; anything this long is not one */
const MAX_STDIN_BYTES = 4096;

/** The whole of `input` less one final line break. */
export async function readPasswordFrom(input: AsyncIterable<Buffer | string>): Promise<string> {
  let text = '';
  for await (const chunk of input) {
    text += chunk.toString();
    if (Buffer.byteLength(text) > MAX_STDIN_BYTES) throw new Error(`standard input holds more than ${MAX_STDIN_BYTES} bytes; give the password alone`);
  }
  return text.replace(/\r?\n$/, '');
}

export interface Terminal {
  input: NodeJS.ReadableStream & { setRawMode(raw: boolean): unknown; isRaw?: boolean };
  output: NodeJS.WritableStream;
}

/** Reads one line at the terminal with echo off (raw mode): Enter ends it, Backspace deletes, Ctrl-C or Ctrl-D cancels. */
export function promptHidden(question: string, term: Terminal): Promise<string> {
  const { input, output } = term;
  output.write(question);
  input.setRawMode(true);
  input.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error) => {
      input.removeListener('data', onData);
      input.setRawMode(false);
      input.pause();
      output.write('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003' || ch === '\u0004') return finish(new Error('cancelled'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    input.on('data', onData);
  });
}

/** Asks twice; a mismatch asks again, three times at most. */
export async function promptNewPassword(term: Terminal): Promise<string> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const first = await promptHidden('New password: ', term);
    if (first === (await promptHidden('Repeat it: ', term))) return first;
    term.output.write('The two differ; again.\n');
  }
  throw new Error('the passwords typed differed three times');
}
