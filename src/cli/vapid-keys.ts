import { generateVapidKeys } from '../notify/channels/push.ts';

/** `vigil vapid-keys`: a new VAPID key pair for notifications.push (public key in the config, private key in the environment). */
export async function main(argv: string[]): Promise<void> {
  if (argv.length > 0) throw new Error(`vigil vapid-keys takes no options (got ${argv.join(' ')})`);
  const { publicKey, privateKey } = generateVapidKeys();
  console.log([
    '# notifications.push.public_key in the config:',
    `public_key: ${publicKey}`,
    '# the private key, kept out of the config (environment or a file named by VIGIL_VAPID_PRIVATE_KEY_FILE):',
    `VIGIL_VAPID_PRIVATE_KEY=${privateKey}`,
  ].join('\n'));
}
