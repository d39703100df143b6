/**
 * `npm run bench:peers:install`: builds the video benchmark's peers (bench/peers.ts) into .cache/bin,
 * each only when its binary is missing, from the Go module proxy.
 *
 * `go install module@tag` is refused where the proxy does not list a module's versions, but
 * `go mod download module@exact-tag` works; the build then runs in a writable copy of the module
 * (the module cache is read-only).
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PEER_BIN_DIR, PEERS, peerBinary, peerInstalled, type PeerName } from './peers.ts';

const REPO_ROOT = path.resolve(import.meta.dirname, '..');

/** The module's directory in the module cache, downloaded when missing. */
function moduleDir(name: PeerName): string {
  const { module, version } = PEERS[name];
  const info = JSON.parse(execFileSync('go', ['mod', 'download', '-json', `${module}@${version}`], { encoding: 'utf8' })) as { Dir?: string; Error?: string };
  if (!info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error}`);
  return info.Dir;
}

/**
 * MediaMTX's `go generate` downloads two files that the binary embeds and that the module lacks:
 * - internal/servers/hls/hls.min.js, the player of its own HLS web page (a hls.js release from
 *   GitHub). The hls.js that Vigil's player already installs from npm stands in for it (MediaMTX
 *   pins 1.7.0, npm gives 1.7.x); the benchmark plays MediaMTX's streams with its own page.
 * - internal/core/VERSION, which its versiongetter reads from git: the module has no .git, so the
 *   tag it was downloaded at is written instead.
 * Its third generator (the Raspberry Pi camera) only matters for ARM builds.
 */
function supplyMediamtxGenerated(src: string): void {
  cpSync(path.join(REPO_ROOT, 'node_modules/hls.js/dist/hls.min.js'), path.join(src, 'internal/servers/hls/hls.min.js'));
  writeFileSync(path.join(src, 'internal/core/VERSION'), `${PEERS.mediamtx.version}\n`);
}

function build(name: PeerName): void {
  const src = mkdtempSync(path.join(tmpdir(), `vigil-${name}-build-`));
  try {
    cpSync(moduleDir(name), src, { recursive: true });
    execFileSync('chmod', ['-R', 'u+w', src]);
    if (name === 'mediamtx') supplyMediamtxGenerated(src);
    // CGO_ENABLED=0: go2rtc's default cgo build needs C libraries this machine does not have; MediaMTX needs none
    execFileSync('go', ['build', '-o', peerBinary(name), '.'], { cwd: src, stdio: 'inherit', env: { ...process.env, CGO_ENABLED: '0' } });
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
}

mkdirSync(PEER_BIN_DIR, { recursive: true });
for (const name of Object.keys(PEERS) as PeerName[]) {
  if (peerInstalled(name)) {
    console.error(`${name}: ${peerBinary(name)} exists`);
    continue;
  }
  const started = Date.now();
  console.error(`${name} ${PEERS[name].version}: building from the Go module proxy...`);
  build(name);
  console.error(`${name}: built in ${Math.round((Date.now() - started) / 1000)} s`);
}
