import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const read = (name: string) => JSON.parse(readFileSync(resolve(process.cwd(), name), 'utf8'));

describe('the Node.js the README promises', () => {
  it('runs every installed package: none asks for a newer Node than package.json engines says', () => {
    const ours = read('package.json').engines.node as string;
    const oldest = semver.minVersion(ours)!.version;
    const lock = read('package-lock.json') as { packages: Record<string, { version?: string; engines?: { node?: string } | string[] }> };
    const refusing = Object.entries(lock.packages)
      .filter(([, entry]) => entry.engines && !Array.isArray(entry.engines) && entry.engines.node && !semver.satisfies(oldest, entry.engines.node))
      .map(([path, entry]) => `${path}@${entry.version} needs node ${(entry.engines as { node: string }).node}`);
    // npm install warns EBADENGINE for each: a new user reads that as "wrong Node".
    expect(refusing).toEqual([]);
    expect(oldest).toBe('20.19.0');
  });
});
