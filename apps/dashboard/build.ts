/**
 * Builds the dashboard (README "The dashboard") into dist/dashboard: one script and one
 * stylesheet, content-hashed, and the page that loads them. Everything is bundled here, at
 * build time: the page loads nothing from anywhere but the api that serves it.
 *
 *   npm run build:dashboard
 */
import { build } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const ROOT = join(__dirname, '..', '..');
export const DASHBOARD_OUT_DIR = join(ROOT, 'dist', 'dashboard');

export interface DashboardBuild {
  readonly directory: string;
  /** Each file's name, size and size gzipped, in bytes. */
  readonly files: readonly { name: string; bytes: number; gzipBytes: number }[];
}

export async function buildDashboard(directory: string = DASHBOARD_OUT_DIR): Promise<DashboardBuild> {
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(directory, { recursive: true });
  const result = await build({
    entryPoints: [join(__dirname, 'src', 'main.tsx')],
    tsconfig: join(__dirname, 'tsconfig.json'),
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2022'],
    entryNames: 'app-[hash]',
    outdir: directory,
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
  const script = outputs.find((name) => name.endsWith('.js'));
  const stylesheet = outputs.find((name) => name.endsWith('.css'));
  if (script === undefined || stylesheet === undefined)
    throw new Error('the dashboard build wrote no script or stylesheet');
  const page = readFileSync(join(__dirname, 'src', 'index.html'), 'utf8')
    .replace('app.css', `/dashboard/${stylesheet}`)
    .replace('app.js', `/dashboard/${script}`);
  writeFileSync(join(directory, 'index.html'), page);
  return {
    directory,
    files: ['index.html', script, stylesheet].map((name) => {
      const body = readFileSync(join(directory, name));
      return { name, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
    }),
  };
}

if (require.main === module) {
  buildDashboard().then(
    ({ directory, files }) => {
      for (const file of files) {
        process.stdout.write(`${directory}/${file.name}  ${file.bytes} B, ${file.gzipBytes} B gzipped\n`);
      }
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
