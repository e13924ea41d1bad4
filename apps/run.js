/**
 * `node apps/run.js <api|cli> [args…]` (`npm start`, `npm run cli -- <command>`): runs an
 * app compiled to dist/<app>, first compiling with SWC the sources that changed since its
 * last run (every source on the first run, e.g. after `npm ci`, or when the compiler's
 * settings changed). An unchanged tree costs one walk of the sources' modification times:
 * the api starts without a build step, and CLI commands that need neither Nest nor a store
 * start at once (apps/cli/src/main.ts, "Adding a command"). Before the api, the dashboard
 * it serves is rebuilt when its sources are newer than the build (`npm run build:dashboard`).
 *
 * The compiler settings are Nest's SWC defaults with .swcrc over them (swcOptions below);
 * `npm run build` keeps the type-checked tsc build, and `npm run typecheck` stays the type
 * check. Plain JavaScript: it must run before any TypeScript is compiled. Writes nothing to
 * stdout of its own, so `npm run -s cli -- token …` prints only the token.
 */
'use strict';
const fs = require('node:fs');
const { spawnSync } = require('node:child_process');
const { dirname, join, relative } = require('node:path');

const ROOT = join(__dirname, '..');
/** What each app is built from (its sources and those of the libraries and events it imports), and its entry. */
const APPS = {
  api: { sources: ['apps/api/src', 'libs', 'events/src'], main: 'apps/api/src/main.js', dashboard: true },
  cli: { sources: ['apps/cli/src', 'libs', 'events/src'], main: 'apps/cli/src/main.js', dashboard: false },
};
/** Files that are not part of an app: tests, test fixtures, declarations. */
const NOT_BUILT = /(\.(spec|int-spec|e2e-spec)\.ts|\.d\.ts)$|\/testing\//;
/** A change to any of these compiles every source again. */
const SETTINGS = ['apps/run.js', 'tsconfig.base.json', '.swcrc', 'node_modules/@swc/core/package.json'];
/** The dashboard's build and what it is built from. */
const DASHBOARD = {
  out: 'dist/dashboard/index.html',
  sources: ['apps/dashboard/src', 'apps/dashboard/build.ts'],
};

function main() {
  const name = process.argv[2];
  const app = APPS[name];
  if (app === undefined) {
    process.stderr.write(`usage: node apps/run.js <${Object.keys(APPS).join('|')}> [args…]\n`);
    process.exitCode = 2;
    return;
  }
  // The app sees its own arguments only, as if it had been started itself.
  process.argv.splice(2, 1);
  const out = join(ROOT, 'dist', name);
  const stampFile = join(out, '.settings.json');
  const settings = SETTINGS.map((file) => `${file} ${fs.statSync(join(ROOT, file)).mtimeMs}`);
  const unchangedSettings = readFile(stampFile) === JSON.stringify(settings);
  const stale = [];
  const targets = new Set();
  for (const dir of app.sources) {
    for (const source of sourcesUnder(join(ROOT, dir))) {
      const target = join(out, relative(ROOT, source)).replace(/\.ts$/, '.js');
      targets.add(target);
      if (!unchangedSettings || !(mtimeOf(target) >= mtimeOf(source))) stale.push([source, target]);
    }
  }
  // The output of a source since deleted or renamed would still be found by `require`.
  for (const dir of app.sources) {
    for (const output of filesUnder(join(out, dir), '.js')) if (!targets.has(output)) fs.rmSync(output);
  }
  if (stale.length > 0 && !compile(stale)) return;
  if (!unchangedSettings) {
    fs.mkdirSync(out, { recursive: true });
    fs.writeFileSync(stampFile, JSON.stringify(settings));
  }
  if (app.dashboard && !buildDashboardIfStale()) return;
  require(join(out, app.main));
}

/** Rebuilds the dashboard when a source of it is newer than its build; false when the build failed. */
function buildDashboardIfStale() {
  const built = mtimeOf(join(ROOT, DASHBOARD.out));
  const newest = Math.max(
    ...DASHBOARD.sources.flatMap((path) => {
      const full = join(ROOT, path);
      return full.endsWith('.ts') ? [mtimeOf(full)] : [...filesUnder(full, '')].map(mtimeOf);
    }),
  );
  if (built >= newest) return true;
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const result = spawnSync(npm, ['run', '-s', 'build:dashboard'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status === 0) return true;
  process.stderr.write('error: the dashboard did not build (npm run build:dashboard)\n');
  process.exitCode = 1;
  return false;
}

function* sourcesUnder(dir) {
  for (const path of filesUnder(dir, '.ts')) if (!NOT_BUILT.test(path)) yield path;
}

/** The files under `dir` (none when it does not exist) whose names end with `suffix`. */
function* filesUnder(dir, suffix) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* filesUnder(path, suffix);
    else if (entry.name.endsWith(suffix)) yield path;
  }
}

function mtimeOf(path) {
  try {
    return fs.statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

function readFile(path) {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Compiles each [source, target]; a target is written whole or not at all, so that several
 * runs may compile at once. A source that does not compile is named on stderr (exit 5, the
 * CLI's "unexpected error"): false.
 */
function compile(pairs) {
  const swc = require('@swc/core');
  const options = swcOptions();
  for (const [source, target] of pairs) {
    let code;
    try {
      code = swc.transformFileSync(source, options).code;
    } catch (error) {
      // SWC's message, without the compiler's own backtrace after it.
      const message = String(error.message ?? error).split(/\n\s*(?:Caused by|Stack backtrace)/)[0];
      process.stderr.write(`error: cannot compile ${relative(ROOT, source)}: ${message.trimEnd()}\n`);
      process.exitCode = 5;
      return false;
    }
    fs.mkdirSync(dirname(target), { recursive: true });
    const partial = `${target}.${process.pid}.tmp`;
    fs.writeFileSync(partial, code);
    fs.renameSync(partial, target);
  }
  return true;
}

/** Nest's defaults for its SWC builder, with .swcrc laid over them: how `npm start` and `npm run cli` compile. */
function swcOptions() {
  const { compilerOptions } = JSON.parse(fs.readFileSync(join(ROOT, 'tsconfig.base.json'), 'utf8'));
  const swcrc = JSON.parse(fs.readFileSync(join(ROOT, '.swcrc'), 'utf8'));
  const jsc = swcrc.jsc ?? {};
  return {
    swcrc: false,
    configFile: false,
    sourceMaps: false,
    module: { type: 'commonjs' },
    jsc: {
      target: jsc.target ?? 'es2021',
      parser: { syntax: 'typescript', decorators: true, dynamicImport: true },
      transform: {
        legacyDecorator: true,
        decoratorMetadata: true,
        useDefineForClassFields: false,
        ...jsc.transform,
      },
      keepClassNames: true,
      baseUrl: join(ROOT, compilerOptions.baseUrl),
      paths: compilerOptions.paths,
    },
    minify: false,
  };
}

main();
