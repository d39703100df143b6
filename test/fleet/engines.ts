import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The fleet's engines as `npm run fleet:up` starts them (scripts/fleet/<engine>.sh). */
export type FleetEngine = 'postgres' | 'redis' | 'kafka' | 's3';

const FLEET_DIR = fileURLToPath(new URL('../../.cache/fleet/', import.meta.url));

/**
 * The connection settings of a running engine: the KEY=VALUE lines its `up` wrote to
 * .cache/fleet/<engine>.env, or undefined when it is not up (the caller skips, naming the engine).
 */
export function fleetEngine(engine: FleetEngine): Record<string, string> | undefined {
  const file = `${FLEET_DIR}${engine}.env`;
  if (!existsSync(file)) return undefined;
  const env: Record<string, string> = {};
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const eq = line.indexOf('=');
    if (eq > 0 && !line.startsWith('#')) env[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return env;
}

/** Settings of the engines a suite needs, and a skip reason naming those that are not up. */
export function requireEngines<E extends FleetEngine>(...engines: E[]): { env: Record<E, Record<string, string>>; missing: string | undefined } {
  const env = {} as Record<E, Record<string, string>>;
  const down: E[] = [];
  for (const e of engines) {
    const settings = fleetEngine(e);
    if (settings) env[e] = settings;
    else down.push(e);
  }
  const missing = down.length ? `${down.join(', ')} not running (start the fleet engines with npm run fleet:up)` : undefined;
  if (missing) console.warn(`skipping: ${missing}`);
  return { env, missing };
}
