import { readFileSync } from 'node:fs';
import { ConfigError, FieldSyncConfig } from './config.js';

/** Reads the PEM files named by TLS_CERT/TLS_KEY, or stops start-up naming the one that fails. */
export function readTlsFiles(tls: FieldSyncConfig['tls']): { cert: Buffer; key: Buffer } | undefined {
  if (!tls) return undefined;
  const read = (variable: string, path: string) => {
    try {
      return readFileSync(path);
    } catch (error) {
      throw new ConfigError(variable, `cannot read "${path}" (${(error as NodeJS.ErrnoException).code}); point it at a PEM file`);
    }
  };
  return { cert: read('TLS_CERT', tls.certPath), key: read('TLS_KEY', tls.keyPath) };
}
