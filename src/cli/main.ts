/**
 * `vigil <command>`: one file per subcommand, loaded on demand so `vigil docs` does not pay for
 * tfjs or PGlite.
 */
const commands: Record<string, { summary: string; load: () => Promise<{ main: (argv: string[]) => Promise<void> }> }> = {
  run: { summary: 'run roles (--roles all|edge,inference,analytics,api) from a config file, or the demo', load: () => import('./run.ts') },
  'dvr-sim': { summary: 'serve a simulated CP PLUS DVR (8 channels of RTSP) from the sample clip', load: () => import('./dvr-sim.ts') },
  'fetch-sample': { summary: 'fetch the real sample clip (Debian opencv-doc) and pre-encode it', load: () => import('./fetch-sample.ts') },
  eval: { summary: 'measure accuracy: detect (precision, recall, AP50), track (MOTA, IDF1, …), faces (ROC AUC); prints JSON', load: () => import('./eval.ts') },
  bench: { summary: 'measure camera workers, keyframe decoding and the detector; prints JSON', load: () => import('./bench.ts') },
  'vapid-keys': { summary: 'generate a VAPID key pair for Web Push (notifications.push)', load: () => import('./vapid-keys.ts') },
  docs: { summary: 'regenerate the README configuration reference (--json-schema prints the JSON Schema)', load: () => import('./docs.ts') },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  return ['usage: vigil <command> [options]', '', ...Object.entries(commands).map(([n, c]) => `  ${n.padEnd(width)}  ${c.summary}`)].join('\n');
}

const [name, ...rest] = process.argv.slice(2);
const command = name ? commands[name] : undefined;
if (!command) {
  console.error(name && name !== '--help' && name !== '-h' ? `vigil: unknown command '${name}'\n\n${usage()}` : usage());
  process.exit(name && name !== '--help' && name !== '-h' ? 2 : 0);
}
// stdout of `vigil eval` and `vigil bench` is their JSON result: logs go to stderr
if (name === 'eval' || name === 'bench') process.env.VIGIL_LOG_STDERR ??= '1';
try {
  await (await command.load()).main(rest);
} catch (e) {
  console.error(`vigil ${name}: ${(e as Error).message}`);
  process.exit(1);
}
