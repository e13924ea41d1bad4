/**
 * `npm run cli -- <command>`: runs the CLI compiled to dist/cli, first compiling with SWC
 * the sources that changed since the last run (every source on the first run, e.g. after
 * `npm ci`, or when the compiler's settings changed). An unchanged tree costs one walk of
 * the sources' modification times, so commands that need neither Nest nor a store start
 * at once (apps/cli/src/main.ts, "Adding a command").
 *
 * The compiler's settings are those of `npm start` (nest-cli.json's SWC builder, with
 * .swcrc over them); `npm run build` keeps the type-checked tsc build, and
 * `npm run typecheck` stays the type check. Plain JavaScript: it must run before any
 * TypeScript is compiled. Writes nothing to stdout, so `npm run -s cli -- token …`
 * prints only the token.
 */
'use strict';
const fs = require('node:fs');
const { dirname, join, relative } = require('node:path');

const ROOT = join(__dirname, '../..');
const OUT = join(ROOT, 'dist/cli');
/** What the CLI is built from: its sources and those of the libraries and events it imports. */
const SOURCE_DIRS = ['apps/cli/src', 'libs', 'events/src'];
/** Files that are not part of the CLI: tests, test fixtures, declarations. */
const NOT_BUILT = /(\.(spec|int-spec|e2e-spec)\.ts|\.d\.ts)$|\/testing\//;
/** A change to any of these compiles every source again. */
const SETTINGS = ['apps/cli/run.js', 'tsconfig.base.json', '.swcrc', 'node_modules/@swc/core/package.json'];
const STAMP = join(OUT, '.settings.json');

function main() {
  const settings = SETTINGS.map((file) => `${file} ${fs.statSync(join(ROOT, file)).mtimeMs}`);
  const unchangedSettings = readStamp() === JSON.stringify(settings);
  const stale = [];
  const targets = new Set();
  for (const dir of SOURCE_DIRS) {
    for (const source of sourcesUnder(join(ROOT, dir))) {
      const target = outputOf(source);
      targets.add(target);
      if (!unchangedSettings || !(mtimeOf(target) >= mtimeOf(source))) stale.push([source, target]);
    }
  }
  // The output of a source since deleted or renamed would still be found by `require`.
  for (const dir of SOURCE_DIRS) {
    for (const output of filesUnder(join(OUT, dir), '.js')) if (!targets.has(output)) fs.rmSync(output);
  }
  if (stale.length > 0 && !compile(stale)) return;
  if (!unchangedSettings) fs.writeFileSync(STAMP, JSON.stringify(settings));
  require(join(OUT, 'apps/cli/src/main.js'));
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

function outputOf(source) {
  return join(OUT, relative(ROOT, source)).replace(/\.ts$/, '.js');
}

function mtimeOf(path) {
  try {
    return fs.statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

function readStamp() {
  try {
    return fs.readFileSync(STAMP, 'utf8');
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

/** nest-cli.json's SWC builder (Nest's defaults for it) with .swcrc laid over them, as `npm start` compiles. */
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
