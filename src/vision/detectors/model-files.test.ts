import { copyFileSync, mkdtempSync, rmSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { humanModelPath } from './human-models.ts';
import { checkGraphModelFiles } from './model-files.ts';

describe('checkGraphModelFiles', () => {
  let dir: string;
  let json: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'vigil-model-files-'));
    json = path.join(dir, 'faceboxes.json');
    copyFileSync(humanModelPath('faceboxes'), json);
    copyFileSync(humanModelPath('faceboxes').replace(/\.json$/, '.bin'), path.join(dir, 'faceboxes.bin'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('passes a whole model', async () => {
    await expect(checkGraphModelFiles(json)).resolves.toBeUndefined();
  });

  it('names a missing model.json', async () => {
    await expect(checkGraphModelFiles(path.join(dir, 'none.json'))).rejects.toThrow(/none\.json: file not found/);
  });

  it('names a model.json that is not one', async () => {
    writeFileSync(json, '{"truncated');
    await expect(checkGraphModelFiles(json)).rejects.toThrow(/not readable as a model\.json/);
    writeFileSync(json, '{}');
    await expect(checkGraphModelFiles(json)).rejects.toThrow(/not a tfjs graph model/);
  });

  it('names a missing or truncated weight file', async () => {
    truncateSync(path.join(dir, 'faceboxes.bin'), 1000);
    await expect(checkGraphModelFiles(json)).rejects.toThrow(/hold 1000 bytes where its manifest needs \d+ \(truncated/);
    unlinkSync(path.join(dir, 'faceboxes.bin'));
    await expect(checkGraphModelFiles(json)).rejects.toThrow(/weight file .*faceboxes\.bin not found/);
  });
});
