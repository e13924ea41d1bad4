import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { DashboardAssetNotFoundError, DashboardNotBuiltError } from './dashboard.errors';

/** One file of the built dashboard, held in memory (the whole build is a few hundred kB). */
export interface DashboardAsset {
  readonly body: Buffer;
  readonly contentType: string;
  readonly cacheControl: string;
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

/** A file name the build gave a content hash (`app-3F2KQ7XZ.js`): it never changes, so caches may keep it. */
const HASHED = /-[A-Z0-9]{8}\.[a-z]+$/;

/**
 * The dashboard as `npm run build:dashboard` wrote it (apps/dashboard/build.mjs): `index.html`
 * and its assets. Read once, on first use, so that an api started before the build serves it
 * as soon as it exists; until then the page answers 503 naming the command.
 */
export class DashboardAssets {
  private files: ReadonlyMap<string, DashboardAsset> | null = null;

  constructor(
    private readonly directory: string,
    /** Marks the page so that it offers the local development role picker (README "Local development"). */
    private readonly localDev: boolean,
  ) {}

  page(): DashboardAsset {
    return this.loaded().get('index.html')!;
  }

  asset(name: string): DashboardAsset {
    const asset = name === 'index.html' ? undefined : this.loaded().get(name);
    if (asset === undefined) throw new DashboardAssetNotFoundError(name);
    return asset;
  }

  private loaded(): ReadonlyMap<string, DashboardAsset> {
    if (this.files !== null) return this.files;
    if (!existsSync(join(this.directory, 'index.html'))) throw new DashboardNotBuiltError(this.directory);
    const files = new Map<string, DashboardAsset>();
    for (const name of readdirSync(this.directory)) {
      const contentType = CONTENT_TYPES[extname(name)];
      if (contentType === undefined) continue;
      let body = readFileSync(join(this.directory, name));
      if (name === 'index.html' && this.localDev) {
        body = Buffer.from(
          body.toString('utf8').replace('<html lang="en"', '<html lang="en" data-local-dev'),
        );
      }
      files.set(name, {
        body,
        contentType,
        cacheControl: HASHED.test(name) ? 'public, max-age=31536000, immutable' : 'no-cache',
      });
    }
    this.files = files;
    return files;
  }
}
