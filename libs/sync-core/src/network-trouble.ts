/**
 * Why a connection to another machine failed, in the words every door uses (the CLI reaching a
 * server, a pull source reaching a remote site); each adds its own hint on what to check.
 */
export type NetworkTrouble = 'host not found' | 'connection refused' | 'no answer' | 'TLS certificate not trusted' | 'plain answer to TLS' | 'closed at once';

export function networkTrouble(error: unknown): NetworkTrouble | null {
  const code = String((error as NodeJS.ErrnoException | null)?.code ?? '');
  const message = String((error as Error | null)?.message ?? '');
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (code === 'ETIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT' || /timeout/i.test(message)) return 'no answer';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code) || /certificate|self[- ]signed/i.test(message)) return 'TLS certificate not trusted';
  // TLS spoken to a plain port: OpenSSL reads the plain answer as a record of an unknown version.
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number|packet length too long/i.test(message)) return 'plain answer to TLS';
  // Plain HTTP spoken to a TLS port: the server drops the connection without a word.
  if (code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || /other side closed|socket hang up/i.test(message)) return 'closed at once';
  return null;
}
