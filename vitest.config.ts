import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // the dashboard's modules import the API contract as the dashboard's build does
  resolve: { alias: { '@contract': fileURLToPath(new URL('./src/api/contract', import.meta.url)) } },
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      // unit tests next to the code: two files at a time, all before the integration tests start. Not
      // isolated: each of the two workers imports the modules once for all its files rather than once per
      // file (the imports took longer than the tests: 430 s for 258 s of tests); unit tests keep no state between files
      { extends: true, test: { name: 'unit', include: ['src/**/*.test.ts', 'bench/**/*.test.ts', 'web/src/**/*.test.ts'], maxWorkers: 2, isolate: false, sequence: { groupOrder: 0 } } },
      // integration tests spawn ffmpeg, RTSP servers, browsers and detector workers: one file at a time on 2 cores
      { extends: true, test: { name: 'integration', include: ['test/**/*.test.ts'], exclude: ['test/fleet/**'], fileParallelism: false, sequence: { groupOrder: 1 } } },
      // the same ports on the real engines (Kafka, PostgreSQL + pgvector, S3, Redis) that `npm run fleet:up` starts: `npm run test:fleet`
      { extends: true, test: { name: 'fleet', include: ['test/fleet/**/*.test.ts'], fileParallelism: false, sequence: { groupOrder: 2 } } },
    ],
  },
});
