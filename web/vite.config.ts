import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const contract = fileURLToPath(new URL('../src/api/contract', import.meta.url));

// The dashboard is static files the api role serves at / (or a CDN in the fleet shape). No inline
// script or style ends up in index.html: the API's Content-Security-Policy allows only 'self'.
export default defineConfig({
  plugins: [react()],
  resolve: { alias: { '@contract': contract } },
  build: {
    outDir: 'dist',
    // /assets/ is the old player's; the dashboard's hashed files live under /app/
    assetsDir: 'app',
    emptyOutDir: true,
    // the budget is measured (scripts/web-size.js), not guessed by Vite's warning
    chunkSizeWarningLimit: 1024,
    modulePreload: { polyfill: false },
    // scripts/web-size.js reads the chunk graph from it
    manifest: true,
  },
  server: {
    // `npm run dev -w web` against a running `vigil run` on :8080
    proxy: { '/api': 'http://127.0.0.1:8080', '/ws': { target: 'ws://127.0.0.1:8080', ws: true }, '/live': 'http://127.0.0.1:8080', '/vod': 'http://127.0.0.1:8080' },
  },
});
