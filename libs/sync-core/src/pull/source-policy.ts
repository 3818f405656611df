import { lookup } from 'node:dns/promises';
import { realpath } from 'node:fs/promises';
import { BlockList, isIP } from 'node:net';
import { resolve, sep } from 'node:path';
import { FieldSyncConfig } from '../config/config.js';
import { InvalidInputError } from '../errors.js';

/** Where no pull source may go unless the operator says so: this host, its private networks, link-local and multicast. */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['64:ff9b::', 96],
] as const)
  PRIVATE.addSubnet(network, prefix, 'ipv6');

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return PRIVATE.check(mapped[1], 'ipv4');
  return PRIVATE.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
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
