import path from 'node:path';
import { dvrsWithoutPassword, findConfigFile, loadConfigFile, type LoadedConfig } from '../config/load.ts';
import { parseCommand, type CommandSpec } from '../core/cli-args.ts';
import { rootLogger } from '../core/log.ts';
import { assertFfmpeg } from '../core/system-deps.ts';
import { parseRoles, PROFILES, ROLES } from '../roles/names.ts';

export const spec = {
  name: 'run',
  summary: 'Run Vigil (every role, or some) from a config file, or the demo when there is none.',
  options: {
    config: { type: 'string', short: 'c', value: 'FILE', description: 'config file (default: $VIGIL_CONFIG, else ./vigil.yaml when it exists, else the demo)' },
    roles: { type: 'string', default: 'all', value: 'LIST', description: `roles of this process: all, a profile (${Object.keys(PROFILES).join(', ')}), or a comma-separated list of ${ROLES.join(', ')}` },
    demo: { type: 'boolean', default: false, description: 'run the demo (DVR simulator on the sample clip) even when a config file exists' },
  },
  notes: 'Secrets come from the environment, never the config file: VIGIL_DVR_<ID>_PASSWORD (or VIGIL_DVR_<ID>_PASSWORD_FILE) for each DVR.',
} as const satisfies CommandSpec;

export async function main(argv: string[]): Promise<void> {
  const args = parseCommand(spec, argv);
  if (!args) return;
  const { values } = args;
  const roles = parseRoles(values.roles!);
  const configFile = findConfigFile(values.config);
  // the demo runs when asked for, or when there is no config to run
  const demo = values.demo || !configFile;
  if (roles.includes('edge') || demo) assertFfmpeg();

  let loaded: LoadedConfig;
  let stopDemo: () => Promise<void> = async () => {};
  if (demo) {
    const { startDemo } = await import('../roles/demo.ts');
    const d = await startDemo(rootLogger);
    loaded = d.loaded;
    stopDemo = d.stop;
  } else {
    rootLogger.info({ config: configFile }, 'loading configuration');
    loaded = loadConfigFile(path.resolve(configFile!));
    if (roles.includes('edge')) {
      for (const d of dvrsWithoutPassword(loaded)) rootLogger.warn({ dvr_id: d.dvrId }, d.message);
    }
  }
  rootLogger.level = loaded.config.log.level;

  // loaded here, not at the top: `vigil run --help` needs none of the roles' code
  const { startRoles } = await import('../roles/run.ts');
  const running = await startRoles(loaded, roles, rootLogger);
  rootLogger.info({ roles, cameras: loaded.cameras.length, data_dir: loaded.paths.dataDir }, 'Vigil is running');
  if (running.apiUrl) {
    rootLogger.info(`person events: ${running.apiUrl}/api/v1/events?class=person · cameras: ${running.apiUrl}/api/v1/cameras · health: ${running.apiUrl}/api/v1/system/health`);
  }

  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (sig: string) => {
      if (stopping) {
        rootLogger.warn(`${sig} again: exiting without a clean stop`);
        process.exit(130);
      }
      stopping = true;
      rootLogger.info(`${sig}: stopping (recording is finalised first; press Ctrl-C again to force)`);
      void running.stop().then(stopDemo).then(resolve, (e) => {
        rootLogger.error({ err: e }, 'stop failed');
        resolve();
      });
    };
    process.on('SIGINT', () => onSignal('SIGINT'));
    process.on('SIGTERM', () => onSignal('SIGTERM'));
  });
  rootLogger.info('stopped cleanly');
}
