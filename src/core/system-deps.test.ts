import { describe, expect, it } from 'vitest';
import { assertFfmpeg } from './system-deps.ts';

describe('assertFfmpeg', () => {
  it('fails with one line that says how to install ffmpeg', () => {
    expect(() => assertFfmpeg('/nonexistent/ffmpeg')).toThrow(/^ffmpeg not found .*apt-get install ffmpeg/);
  });
});
