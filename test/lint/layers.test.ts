import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '../..');
const eslint = new ESLint({ cwd: ROOT });

/** The layer-rule messages ESLint gives `code` as if it were the file at `file` (which need not exist). */
async function layerErrors(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer order lint rule (eslint.layers.js)', () => {
  it('refuses an import from a higher layer, naming both', async () => {
    expect(await layerErrors('src/store/repositories/x.ts', "import { buildApi } from '../../api/server.ts';\nexport const x = buildApi;\n"))
      .toEqual([expect.stringContaining('store must not import api: api sits above store')]);
    expect(await layerErrors('src/config/x.ts', "import { Backoff } from '../media/backoff.ts';\nexport const x = Backoff;\n"))
      .toEqual([expect.stringContaining('config must not import media')]);
  });

  it('refuses an import from a peer, so two domains can never import each other', async () => {
    expect(await layerErrors('src/media/x.ts', "import { iou } from '../analytics/track-events.ts';\nexport const x = iou;\n"))
      .toEqual([expect.stringContaining('analytics sits beside media')]);
  });

  it('keeps the bottom layer self-contained', async () => {
    expect(await layerErrors('src/core/x.ts', "import type { Config } from '../config/schema.ts';\nexport type X = Config;\n")).toHaveLength(1);
    expect(await layerErrors('src/api/contract/x.ts', "import { addRoute } from '../route.ts';\nexport const x = addRoute;\n")).toHaveLength(1);
  });

  it('keeps the development tools out of production code, except the CLI and the demo', async () => {
    const sim = "import { startDvrSimThread } from '../dvr-sim/in-thread.ts';\nexport const x = startDvrSimThread;\n";
    expect(await layerErrors('src/roles/edge.ts', sim)).toEqual([expect.stringContaining('production code never uses the development tools')]);
    expect(await layerErrors('src/roles/demo.ts', sim)).toEqual([]);
    expect(await layerErrors('src/cli/x.ts', sim)).toEqual([]);
    expect(await layerErrors('src/api/x.ts', "import { iou } from '../eval/mot-metrics.ts';\nexport const x = iou;\n")).toHaveLength(1);
  });

  it('allows imports downward, the contract from anywhere, and tests', async () => {
    expect(await layerErrors('src/vision/faces/x.ts', "import { iou } from '../../core/geometry.ts';\nimport type { Actor } from '../../api/contract/actor.ts';\nimport type { Store } from '../../store/port.ts';\nexport type X = [typeof iou, Actor, Store];\n")).toEqual([]);
    expect(await layerErrors('src/api/routes/x.ts', "import { auditWriter } from '../../audit/record.ts';\nexport const x = auditWriter;\n")).toEqual([]);
    expect(await layerErrors('src/vision/x.test.ts', "import { startDvrSimThread } from '../dvr-sim/in-thread.ts';\nexport const x = startDvrSimThread;\n")).toEqual([]);
  });
});
