/**
 * Runs the simulator as a separate process (src/dvr-sim/cli.ts), so that tests of the camera
 * supervisor can make the DVR hang (SIGSTOP), die (SIGKILL) and come back on the same port.
 */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { cpPlusUrl } from '../config/cpplus.ts';
import type { StreamIndex } from './rtsp-target.ts';

export interface DvrSimProcessOptions {
  /** 0 picks a free port; pass the previous port to restart "the same DVR" */
  port?: number;
  channels?: number;
  username?: string;
  password?: string;
  cacheDir?: string;
  /** covers encoding the sample on a fresh checkout */
  startTimeoutMs?: number;
}

export interface DvrSimProcess {
  pid: number;
  port: number;
  url(channel: number, stream?: StreamIndex): string;
  /** e.g. SIGSTOP / SIGCONT / SIGKILL */
  signal(signal: NodeJS.Signals): void;
  /** ends the process (continuing it first if stopped) and resolves once it has exited */
  stop(): Promise<void>;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = resolve(REPO_ROOT, 'src/dvr-sim/cli.ts');

export async function spawnDvrSim(opts: DvrSimProcessOptions = {}): Promise<DvrSimProcess> {
  const username = opts.username ?? 'admin';
  const password = opts.password ?? '';
  const args = ['--import', 'tsx', CLI, '--port', String(opts.port ?? 0), '--channels', String(opts.channels ?? 8), '--username', username, '--password', password];
  if (opts.cacheDir) args.push('--cache-dir', opts.cacheDir);
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, VIGIL_LOG_LEVEL: 'info', VIGIL_LOG_STDERR: '0', VIGIL_LOG_FORMAT: 'json' } }); // its port is read from its stdout log
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(killer);
    }
  };
  try {
    const port = await listeningPort(child.stdout, exited, opts.startTimeoutMs ?? 90_000);
    child.stdout.resume(); // keep draining logs so the child never blocks on a full pipe
    return {
      pid: child.pid!,
      port,
      url: (channel, stream = 0) => cpPlusUrl({ host: '127.0.0.1', port, username, password, channel, stream }),
      signal: (signal) => child.kill(signal),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function listeningPort(stdout: NodeJS.ReadableStream, exited: Promise<void>, timeoutMs: number): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const lines = createInterface({ input: stdout });
    const timer = setTimeout(() => reject(new Error(`dvr-sim did not start within ${timeoutMs} ms`)), timeoutMs);
    void exited.then(() => reject(new Error('dvr-sim exited before listening')));
    lines.on('line', (line) => {
      let entry: { msg?: string; port?: number };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return; // not a log line
      }
      if (entry.msg === 'dvr-sim listening' && entry.port) {
        clearTimeout(timer);
        lines.close();
        resolvePort(entry.port);
      }
    });
  });
}
