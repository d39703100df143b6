import path from 'node:path';
import { parseArgs } from 'node:util';
import { findConfigFile, loadConfigFile, type LoadedConfig } from '../config/load.ts';
import { rootLogger } from '../core/log.ts';
import { assertFfmpeg } from '../core/system-deps.ts';
import { startDemo } from '../roles/demo.ts';
import { parseRoles, startRoles } from '../roles/run.ts';

export async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      roles: { type: 'string', default: 'all' },
      demo: { type: 'boolean', default: false },
      'allow-remote': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const roles = parseRoles(values.roles!);
  const configFile = findConfigFile(values.config);
  // the demo runs when asked for, or when there is no config to run
  const demo = values.demo || !configFile;
  if (roles.includes('edge') || demo) assertFfmpeg();

  let loaded: LoadedConfig;
  let stopDemo: () => Promise<void> = async () => {};
  if (demo) {
    const d = await startDemo(rootLogger);
    loaded = d.loaded;
    stopDemo = d.stop;
  } else {
    rootLogger.info({ config: configFile }, 'loading configuration');
    loaded = loadConfigFile(path.resolve(configFile!));
  }
  rootLogger.level = loaded.config.log.level;

  const running = await startRoles(loaded, roles, rootLogger, { allowRemote: values['allow-remote'] });
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
