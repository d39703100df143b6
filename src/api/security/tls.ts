/**
 * HTTPS from a certificate and key file (api.tls). A renewed certificate (certbot, an ACME client,
 * a copied file) is picked up without a restart: both files are polled, and on a change the server's
 * secure context is replaced; connections already open keep theirs. A pair that does not load
 * (a half-written file, a key that does not match) is logged and the old pair stays in use.
 */
import { readFileSync, unwatchFile, watchFile } from 'node:fs';
import { createSecureContext, type Server as TlsServer } from 'node:tls';
import type { Logger } from '../../core/log.ts';

export interface TlsFiles {
  cert_file: string;
  key_file: string;
}

export interface TlsPair {
  cert: Buffer;
  key: Buffer;
}

/** Reads and checks the pair (throws naming the file settings when they do not form a usable pair). */
export function loadTlsPair(files: TlsFiles): TlsPair {
  const pair = { cert: readFileSync(files.cert_file), key: readFileSync(files.key_file) };
  try {
    createSecureContext(pair);
  } catch (err) {
    throw new Error(`api.tls: cert_file ${files.cert_file} and key_file ${files.key_file} are not a usable certificate and key: ${(err as Error).message}`);
  }
  return pair;
}

/** Polls the files; returns a stop function. */
export function reloadTlsOnChange(server: TlsServer, files: TlsFiles, log: Logger, intervalMs = 5_000): () => void {
  const reload = (): void => {
    try {
      server.setSecureContext(loadTlsPair(files));
      log.info({ cert_file: files.cert_file }, 'TLS certificate reloaded');
    } catch (err) {
      log.warn({ err, cert_file: files.cert_file }, 'TLS certificate changed but does not load; still serving the previous one');
    }
  };
  const onChange = (cur: { mtimeMs: number }, prev: { mtimeMs: number }): void => {
    if (cur.mtimeMs !== prev.mtimeMs && cur.mtimeMs !== 0) reload();
  };
  for (const file of [files.cert_file, files.key_file]) watchFile(file, { interval: intervalMs, persistent: false }, onChange);
  return () => {
    for (const file of [files.cert_file, files.key_file]) unwatchFile(file, onChange);
  };
}
