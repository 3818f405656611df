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
});
