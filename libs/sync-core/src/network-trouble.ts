/**
 * Why a connection to another machine failed, in the words every door uses (the CLI reaching a
 * server, a pull source reaching a remote site); each adds its own hint on what to check.
 */
export type NetworkTrouble = 'host not found' | 'connection refused' | 'no answer' | 'TLS certificate not trusted';

export function networkTrouble(error: unknown): NetworkTrouble | null {
  const code = String((error as NodeJS.ErrnoException | null)?.code ?? '');
  const message = String((error as Error | null)?.message ?? '');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || /timeout/i.test(message)) return 'no answer';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code) || /certificate|self[- ]signed/i.test(message)) return 'TLS certificate not trusted';
  return null;
}
