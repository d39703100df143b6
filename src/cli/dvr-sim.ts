import { parseDvrSimArgs, runDvrSim } from '../dvr-sim/cli.ts';

export const main = (argv: string[]): Promise<void> => runDvrSim(parseDvrSimArgs(argv));
