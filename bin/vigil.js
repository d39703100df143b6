#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so there is no build step between `npm ci` and `vigil`.
import { setFlagsFromString } from 'node:v8';
import { register } from 'tsx/esm/api';

// Every thread started from here on (tsx's loader threads, the detector, face and ingest workers)
// gets a 2 MB young generation instead of V8's 16 MB: they allocate in small steps, and each grew
// its own to the maximum (docs/video-benchmark.md, where the one box's memory goes).
setFlagsFromString('--max-semi-space-size=2');
register();
await import('../src/cli/main.ts');
