import os from 'node:os';
import { centernetKserveModel } from '../src/vision/detectors/testing/centernet-serving.ts';
import { startKserveServer } from '../src/vision/detectors/testing/kserve-server.ts';

/**
 * The KServe v2 test server serving the shipped centernet, in a process of its own as Triton
 * would be: `node --import tsx bench/triton-server.ts [threads]` prints `{"url": ...}` on stdout
 * once it answers, and stops on SIGTERM or when its stdin closes (the bench that started it is gone).
 */
const threads = Number(process.argv[2] ?? os.availableParallelism());
const model = await centernetKserveModel({ threads });
const server = await startKserveServer(model);
const stop = (): void => {
  void server.close().then(() => model.release()).finally(() => process.exit(0));
};
process.once('SIGTERM', stop);
process.stdin.once('end', stop).resume();
console.log(JSON.stringify({ url: server.url, threads }));
