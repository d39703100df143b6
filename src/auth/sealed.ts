import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { writeSecretFile } from './signing-keys.ts';

const VERSION = 'v1';

/**
 * Seals small secrets kept in the database (TOTP secrets) with AES-256-GCM under a key file of the
 * data dir (0600): a copy of the database alone does not give away anyone's second factor.
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  /** the key at `file`, created on first use */
  static open(file: string): SecretBox {
    if (!existsSync(file)) writeSecretFile(file, randomBytes(32).toString('base64'));
    return new SecretBox(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return `${VERSION}.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
  }

  open(sealed: string): string {
    const [version, data] = sealed.split('.');
    if (version !== VERSION || !data) throw new Error('sealed secret in an unknown format');
    const raw = Buffer.from(data, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
  }
}
