import { lookup } from 'node:dns/promises';
import { realpath } from 'node:fs/promises';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import { resolve, sep } from 'node:path';
import { FieldSyncConfig } from '../config/config.js';
import { InvalidInputError } from '../errors.js';

/** Global unicast IPv6 (2000::/3): every IPv6 address outside it is loopback, local, mapped or special. */
const GLOBAL_IPV6: [ipaddr.IPv6, number] = [ipaddr.IPv6.parse('2000::'), 3];

/**
 * Whether an address is one no pull source or delivery may reach unless the operator says so:
 * anything but a public unicast address. Parsed by ipaddr.js, so every spelling counts as what it
 * is: IPv4-mapped (::ffff:127.0.0.1), IPv4-compatible (::127.0.0.1), translated
 * (::ffff:0:127.0.0.1), NAT64 (64:ff9b::…), 6to4 and Teredo (which carry an IPv4 address inside)
 * are all refused or judged by the IPv4 address they hold. What does not parse is refused.
 */
export function isPrivateAddress(address: string): boolean {
  let parsed: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    parsed = ipaddr.parse(address.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  } catch {
    return true;
  }
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  if (parsed.kind() === 'ipv4') return parsed.range() !== 'unicast';
  return !(parsed as ipaddr.IPv6).match(GLOBAL_IPV6) || parsed.range() !== 'unicast';
}

const within = (child: string, parent: string) => child === parent || child.startsWith(parent.endsWith(sep) ? parent : parent + sep);

/**
 * What a project admin may point a pull source at. A source is the server reading on the
 * admin's behalf, so it is held to what the operator allowed: folders only under SOURCE_FOLDERS
 * (symlinks followed, never the server's own DATA_DIR or BLOB_DIR), network sources only to public hosts
 * unless SOURCE_ALLOW_PRIVATE_NETWORKS. Checked when a source is made and again at every run,
 * since a folder can become a symlink and a name can resolve elsewhere later.
 */
export class SourcePolicy {
  constructor(
    private readonly rules: FieldSyncConfig['sources'],
    /** Folders where the server keeps its own data (DATA_DIR, BLOB_DIR): never readable by a source. */
    private readonly serverDirs: string[],
  ) {}

  /** The real path of a folder source, or InvalidInputError saying what the operator must allow. */
  async folder(path: string, mustExist: boolean): Promise<string> {
    if (this.rules.folders.length === 0) {
      throw new InvalidInputError('folder sources are off on this server: the operator lists the folders they may read in SOURCE_FOLDERS');
    }
    const real = await realpath(path).catch((error: NodeJS.ErrnoException) => {
      if (mustExist || error.code !== 'ENOENT') throw Object.assign(new Error(`folder missing: ${path}`), { code: 'ENOENT' });
      return resolve(path);
    });
    const serverDirs = await Promise.all(this.serverDirs.map((dir) => realpath(dir).catch(() => resolve(dir))));
    const roots = await Promise.all(this.rules.folders.map((root) => realpath(root).catch(() => root)));
    if (serverDirs.some((dir) => within(real, dir) || within(dir, real)) || !roots.some((root) => within(real, root))) {
      throw new InvalidInputError(`${path} is not under a folder this server lets sources read (SOURCE_FOLDERS: ${this.rules.folders.join(':')})`);
    }
    return real;
  }

  /**
   * The address to connect to for an ftp:// or ftps:// source's host: the name is resolved once
   * and the connection goes to what was checked. A name that does not resolve yet is let
   * through at creation (`mustResolve` false): the run says "host not found".
   */
  async address(hostname: string, mustResolve: boolean): Promise<string | null> {
    const bare = hostname.replace(/^\[|\]$/g, '');
    let addresses: string[];
    try {
      addresses = isIP(bare) ? [bare] : (await lookup(bare, { all: true, verbatim: true })).map((entry) => entry.address);
    } catch (error) {
      if (mustResolve) throw error;
      return null;
    }
    if (!this.rules.allowPrivateNetworks && addresses.some(isPrivateAddress)) {
      throw new InvalidInputError(`${hostname} is a private, loopback or link-local address: sources may reach only public hosts unless the operator sets SOURCE_ALLOW_PRIVATE_NETWORKS=true`);
    }
    return addresses[0] ?? null;
  }
}
