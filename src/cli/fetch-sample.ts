import { runFetchSample } from '../dvr-sim/sample.ts';

export async function main(): Promise<void> {
  const sample = await runFetchSample();
  console.log(`sample ready (${sample.source}): ${sample.main} ${sample.sub}`);
}
