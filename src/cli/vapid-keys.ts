import { parseCommand, type CommandSpec } from '../core/cli-args.ts';

export const spec = {
  name: 'vapid-keys',
  summary: 'Generate a VAPID key pair for Web Push notifications.',
  notes: 'The public key goes into notifications.push.public_key, the private key into VIGIL_VAPID_PRIVATE_KEY (or a file named by VIGIL_VAPID_PRIVATE_KEY_FILE).',
  options: {},
} as const satisfies CommandSpec;

/** `vigil vapid-keys`: a new VAPID key pair for notifications.push (public key in the config, private key in the environment). */
export async function main(argv: string[]): Promise<void> {
  if (!parseCommand(spec, argv)) return;
  const { generateVapidKeys } = await import('../notify/channels/push.ts');
  const { publicKey, privateKey } = generateVapidKeys();
  console.log([
    '# notifications.push.public_key in the config:',
    `public_key: ${publicKey}`,
    '# the private key, kept out of the config (environment or a file named by VIGIL_VAPID_PRIVATE_KEY_FILE):',
    `VIGIL_VAPID_PRIVATE_KEY=${privateKey}`,
  ].join('\n'));
}
