import { describe, expect, it } from 'vitest';
import { CliError, EXIT } from './output.js';
import { serverUrl } from './server-url.js';

describe('serverUrl', () => {
  it('takes host:port as http://, and keeps http(s) addresses', () => {
    expect(serverUrl('localhost:8080', '--server')).toBe('http://localhost:8080');
    expect(serverUrl('https://sync.example.org/', '--server')).toBe('https://sync.example.org');
  });

  it('refuses other schemes as a usage error that shows the form', () => {
    const refusal = (() => {
      try {
        serverUrl('ftp://host:2121', '--server');
      } catch (error) {
        return error as CliError;
      }
      return null;
    })();
    expect(refusal?.exitCode).toBe(EXIT.usage);
    expect(refusal?.message).toContain('e.g. http://localhost:8080');
  });

  it.each(['htp:/host:8080', 'http:/localhost:8080', 'htp://host', 'mailto:me@example.org'])('takes %s for a mistyped scheme (usage), not a host to look up', (given) => {
    expect(() => serverUrl(given, '--from')).toThrow(expect.objectContaining({ exitCode: EXIT.usage }));
  });

  it('still takes host:port and host:port/path as http://', () => {
    expect(serverUrl('192.168.1.20:8080', '--from')).toBe('http://192.168.1.20:8080');
    expect(serverUrl('sync.example.org:443/fieldsync', '--from')).toBe('http://sync.example.org:443/fieldsync');
  });
});
