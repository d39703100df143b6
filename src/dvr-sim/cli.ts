/**
 * `vigil dvr-sim`: prepares the sample and serves the simulated DVR until SIGINT/SIGTERM.
 * Also runnable on its own so tests can run the DVR as a separate process (and SIGSTOP/SIGKILL it):
 *   node --import tsx src/dvr-sim/cli.ts --port 8554
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseCommand, UsageError, type CommandSpec } from '../core/cli-args.ts';
import { rootLogger } from '../core/log.ts';
import { redact } from '../core/redact.ts';
import { DEFAULT_SAMPLE_DIR, ensureSample } from './sample.ts';
import { startDvrSim } from './server.ts';

export interface DvrSimArgs {
  port: number;
  host: string;
  channels: number;
  username: string;
  password: string;
  cacheDir: string;
}

export const spec = {
  name: 'dvr-sim',
  summary: 'Serve a simulated CP PLUS DVR: the sample clip over RTSP on every channel, until Ctrl-C.',
  options: {
    port: { type: 'string', default: '8554', value: 'PORT', description: 'RTSP port (0: any free port)' },
    host: { type: 'string', default: '127.0.0.1', value: 'ADDRESS', description: 'address to listen on' },
    channels: { type: 'string', default: '8', value: 'N', description: 'number of channels, 1..64' },
    username: { type: 'string', default: 'admin', value: 'NAME', description: 'RTSP user the DVR accepts' },
    password: { type: 'string', default: '', value: 'SECRET', description: 'RTSP password the DVR accepts (default: none)' },
    'cache-dir': { type: 'string', default: DEFAULT_SAMPLE_DIR, value: 'DIR', description: 'where the sample clip is kept' },
  },
} as const satisfies CommandSpec;

/** The simulator's settings; undefined when --help was asked for (and printed). */
export function parseDvrSimArgs(argv: string[]): DvrSimArgs | undefined {
  const args = parseCommand(spec, argv);
  if (!args) return undefined;
  const { values } = args;
  const port = Number(values.port);
  const channels = Number(values.channels);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, got ${values.port}`);
  if (!Number.isInteger(channels) || channels < 1 || channels > 64) throw new UsageError(`--channels must be 1..64, got ${values.channels}`);
  return { port, host: values.host, channels, username: values.username, password: values.password, cacheDir: values['cache-dir'] };
}

/** Resolves after a signal has stopped the server. */
export async function runDvrSim(args: DvrSimArgs): Promise<void> {
  const log = rootLogger.child({ component: 'dvr-sim' });
  const sample = await ensureSample(args.cacheDir, log);
  const sim = await startDvrSim({ ...args, main: sample.main, sub: sample.sub, log });
  for (let channel = 1; channel <= sim.channels; channel++) log.info({ channel, main: redact(sim.url(channel, 0)), sub: redact(sim.url(channel, 1)) }, 'channel');
  const signal = await new Promise<NodeJS.Signals>((done) => {
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  log.info({ signal }, 'stopping dvr-sim');
  await sim.stop();
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = parseDvrSimArgs(process.argv.slice(2));
  if (args) runDvrSim(args).catch((err: unknown) => {
    rootLogger.fatal({ err }, 'dvr-sim failed');
    process.exitCode = 1;
  });
}
