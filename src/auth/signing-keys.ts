import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { exportJWK, generateKeyPair, importJWK, type CryptoKey, type JWK } from 'jose';

export const SIGNING_ALG = 'RS256';
/** kids are ours: random base64url, so a kid that is a path, URL or SQL is refused before any lookup */
export const KID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;

interface KeyFile {
  kid: string;
  created_at: string;
  /** when a newer key replaced it: it still verifies tokens until they have expired */
  retired_at?: string;
  private_jwk: JWK;
}

interface LoadedKey { file: KeyFile; privateKey: CryptoKey; publicKey: CryptoKey; publicJwk: JWK }

const FILE_PREFIX = 'signing-';

/**
 * Writes a file only its owner may read (private keys, the sealing key), atomically: another
 * process reading the keys (a running Vigil while `vigil keys rotate` writes) never sees half a file.
 */
export function writeSecretFile(file: string, data: string | Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  // the mode of writeFileSync applies only when the file is created
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/**
 * The token signing keys, under `<data_dir>/keys` (0700, each key 0600). Generated on first
 * start; `rotate()` makes a new current key while a retired one keeps verifying for `verifyForMs`
 * (the access-token lifetime), so no signed-in user is thrown out by a rotation.
 */
export class SigningKeys {
  private keys = new Map<string, LoadedKey>();
  private currentKid = '';
  /** the directory as last read: a key rotated by `vigil keys rotate` (another process) changes it */
  private dirStamp = 0;

  private constructor(private readonly dir: string, private readonly verifyForMs: number) {}

  static async open(dir: string, verifyForMs: number): Promise<SigningKeys> {
    const k = new SigningKeys(dir, verifyForMs);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    await k.load();
    if (!k.currentKid) await k.rotate();
    return k;
  }

  /** Re-reads the keys when another process (`vigil keys rotate`) changed them; cheap otherwise (one stat). */
  async refresh(): Promise<void> {
    if (statSync(this.dir).mtimeMs !== this.dirStamp) await this.load();
  }

  private async load(): Promise<void> {
    this.dirStamp = statSync(this.dir).mtimeMs;
    const files = readdirSync(this.dir).filter((f) => f.startsWith(FILE_PREFIX) && f.endsWith('.json'));
    const loaded = await Promise.all(files.map(async (f) => this.loadKey(JSON.parse(readFileSync(path.join(this.dir, f), 'utf8')) as KeyFile)));
    this.keys = new Map(loaded.map((k) => [k.file.kid, k]));
    this.prune(new Date());
    const live = [...this.keys.values()].filter((k) => !k.file.retired_at).sort((a, b) => b.file.created_at.localeCompare(a.file.created_at));
    this.currentKid = live[0]?.file.kid ?? '';
  }

  private async loadKey(file: KeyFile): Promise<LoadedKey> {
    const privateKey = (await importJWK(file.private_jwk, SIGNING_ALG)) as CryptoKey;
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = file.private_jwk;
    const publicKey = (await importJWK(pub, SIGNING_ALG)) as CryptoKey;
    return { file, privateKey, publicKey, publicJwk: { ...pub, kid: file.kid, alg: SIGNING_ALG, use: 'sig' } };
  }

  private save(file: KeyFile): void {
    writeSecretFile(path.join(this.dir, `${FILE_PREFIX}${file.kid}.json`), JSON.stringify(file));
  }

  /** retired keys whose last tokens have expired are deleted */
  private prune(now: Date): void {
    for (const [kid, k] of this.keys) {
      if (k.file.retired_at && Date.parse(k.file.retired_at) + this.verifyForMs < now.getTime()) {
        rmSync(path.join(this.dir, `${FILE_PREFIX}${kid}.json`), { force: true });
        this.keys.delete(kid);
      }
    }
  }

  /** A new current signing key; the previous one verifies until its tokens expire. Returns the new kid. */
  async rotate(now = new Date()): Promise<string> {
    const { privateKey } = await generateKeyPair(SIGNING_ALG, { modulusLength: 2048, extractable: true });
    const kid = randomBytes(16).toString('base64url');
    const file: KeyFile = { kid, created_at: now.toISOString(), private_jwk: await exportJWK(privateKey) };
    this.save(file);
    const previous = this.keys.get(this.currentKid);
    if (previous) {
      previous.file.retired_at = now.toISOString();
      this.save(previous.file);
    }
    this.keys.set(kid, await this.loadKey(file));
    this.currentKid = kid;
    this.prune(now);
    this.dirStamp = statSync(this.dir).mtimeMs;
    return kid;
  }

  current(): { kid: string; privateKey: CryptoKey } {
    const k = this.keys.get(this.currentKid)!;
    return { kid: k.file.kid, privateKey: k.privateKey };
  }

  /** the public key of `kid` if it may still verify; only kids of this key set are ever looked up */
  verificationKey(kid: string, now = new Date()): CryptoKey | null {
    const k = KID_PATTERN.test(kid) ? this.keys.get(kid) : undefined;
    if (!k) return null;
    if (k.file.retired_at && Date.parse(k.file.retired_at) + this.verifyForMs < now.getTime()) return null;
    return k.publicKey;
  }

  /** `/.well-known/jwks.json`: the public keys that verify */
  jwks(now = new Date()): { keys: JWK[] } {
    return { keys: [...this.keys.values()].filter((k) => this.verificationKey(k.file.kid, now)).map((k) => k.publicJwk) };
  }
}
