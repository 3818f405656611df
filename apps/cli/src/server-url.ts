import { CliError, EXIT } from './output.js';

/**
 * The gateway's address as given to --server / --from: `http(s)://host:port`, or `host:port`
 * alone, taken as http:// (what a person types first). Anything else is a usage error that says so.
 */
export function serverUrl(given: string, option: string): string {
  const text = given.trim().replace(/\/+$/, '');
  // "name:" not followed by a port is a scheme, which must be http:// or https:// (htp:/host is a typing slip, not a host).
  const scheme = /^([a-z][a-z0-9+.-]*):(?!\d+(\/|$))/i.exec(text);
  if (scheme && (!['http', 'https'].includes(scheme[1]!.toLowerCase()) || !/^[a-z]+:\/\//i.test(text))) {
    throw new CliError(`${option} must be the gateway's http:// or https:// address (got "${given}"), e.g. http://localhost:8080`, EXIT.usage);
  }
  const withScheme = scheme ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new CliError(`${option} "${given}" is not an address; give the gateway as http(s)://host:port, e.g. http://localhost:8080`, EXIT.usage);
  }
  if (!['http:', 'https:'].includes(url.protocol)) throw new CliError(`${option} must be the gateway's http:// or https:// address (got "${given}"), e.g. http://localhost:8080`, EXIT.usage);
  return withScheme;
}
