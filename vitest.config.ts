import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // the dashboard's modules import the API contract as the dashboard's build does
  resolve: { alias: { '@contract': fileURLToPath(new URL('./src/api/contract', import.meta.url)) } },
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts', 'bench/**/*.test.ts', 'web/src/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // integration tests spawn ffmpeg, RTSP servers and detector workers: run files one at a time on 2 cores
    fileParallelism: false,
    pool: 'forks',
  },
});
