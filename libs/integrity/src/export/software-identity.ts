import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { SoftwareIdentity } from './export-manifest';

/**
 * The name and version of the nearest package.json at or above `fromDir`
 * (the deployable's own directory, so it works from sources and from dist).
 * @throws Error when no package.json with a name and version is found.
 */
export function readSoftwareIdentity(fromDir: string): SoftwareIdentity {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const { name, version } = JSON.parse(readFileSync(candidate, 'utf8')) as {
        name?: unknown;
        version?: unknown;
      };
      if (typeof name === 'string' && typeof version === 'string') return { name, version };
    }
    if (dirname(dir) === dir) throw new Error(`no package.json with a name and version above ${fromDir}`);
  }
}
