import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

interface LockEntry {
  version?: string;
  dev?: boolean;
  engines?: { node?: string } | string[];
}

/** The Node versions we declare: the oldest of each supported line, and the one running this test. */
const SUPPORTED = ['20.19.0', '22.13.0', '24.0.0', process.versions.node];

describe('issue 24.5: a clean install on every supported Node', () => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string } };

  it('package.json declares Node 20.19+, 22 and 24', () => {
    for (const version of SUPPORTED) expect(semver.satisfies(version, pkg.engines.node), version).toBe(true);
    // Odd-numbered lines are never LTS, and 20 before 20.19 cannot require() the ESM-only parts.
    for (const version of ['20.18.0', '21.7.0', '18.20.0']) expect(semver.satisfies(version, pkg.engines.node), version).toBe(false);
  });

  it('no package the lockfile installs wants a Node we support not (npm prints EBADENGINE for those)', () => {
    const refusing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = entry.engines && !Array.isArray(entry.engines) ? entry.engines.node : undefined;
      if (!path || !range) continue;
      for (const version of SUPPORTED) {
        if (!semver.satisfies(version, range)) refusing.push(`${path}@${entry.version} wants node ${range}, not ${version}`);
      }
    }
    expect(refusing).toEqual([]);
  });
});
