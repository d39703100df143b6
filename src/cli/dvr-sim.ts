import { parseDvrSimArgs, runDvrSim } from '../dvr-sim/cli.ts';

export { spec } from '../dvr-sim/cli.ts';

export async function main(argv: string[]): Promise<void> {
  const args = parseDvrSimArgs(argv);
  if (args) await runDvrSim(args);
}
