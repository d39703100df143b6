import { parseCommand, type CommandSpec } from '../core/cli-args.ts';
import { DEFAULT_SAMPLE_DIR, runFetchSample } from '../dvr-sim/sample.ts';

export const spec = {
  name: 'fetch-sample',
  summary: 'Fetch the sample clip (vtest.avi from Debian\'s opencv-doc) and pre-encode it.',
  notes: 'The clip comes through `apt-get download opencv-doc`; without apt-get the DVR simulator plays ffmpeg\'s synthetic test pattern.',
  options: {
    'cache-dir': { type: 'string', default: DEFAULT_SAMPLE_DIR, value: 'DIR', description: 'where the sample clip is kept' },
  },
} as const satisfies CommandSpec;

export async function main(argv: string[]): Promise<void> {
  const args = parseCommand(spec, argv);
  if (!args) return;
  const sample = await runFetchSample(args.values['cache-dir']);
  console.log(`sample ready (${sample.source}): ${sample.main} ${sample.sub}`);
}
