import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker thread on `entry`, a module's path without its extension.
 * Compiled (`npm run build`, `npm start`), the entry is the `.js` file beside
 * this one's build. From TypeScript sources (ts-jest, ts-node) a worker thread
 * does not inherit its parent's loader, so it compiles what it loads with SWC,
 * resolving the path aliases of tsconfig.base.json as `npm start`'s build does
 * (apps/run.js). The one place the project's threads are started from.
 */
export function startWorkerThread(entry: string, options: WorkerOptions): Worker {
  if (extname(__filename) === '.js') return new Worker(`${entry}.js`, options);
  const root = projectRoot(dirname(entry));
  const bootstrap = [
    `const fs = require('node:fs');`,
    `const swc = require(${JSON.stringify(require.resolve('@swc/core'))});`,
    `const { compilerOptions } = JSON.parse(fs.readFileSync(${JSON.stringify(join(root, 'tsconfig.base.json'))}, 'utf8'));`,
    `const options = {`,
    `  swcrc: false, configFile: false, sourceMaps: 'inline', module: { type: 'commonjs' },`,
    `  jsc: {`,
    `    target: 'es2022', keepClassNames: true,`,
    `    parser: { syntax: 'typescript', decorators: true, dynamicImport: true },`,
    `    transform: { legacyDecorator: true, decoratorMetadata: true },`,
    `    baseUrl: ${JSON.stringify(root)}, paths: compilerOptions.paths,`,
    `  },`,
    `};`,
    `require.extensions['.ts'] = (module, filename) =>`,
    `  module._compile(swc.transformSync(fs.readFileSync(filename, 'utf8'), { ...options, filename }).code, filename);`,
    `require(${JSON.stringify(`${entry}.ts`)});`,
  ].join('\n');
  return new Worker(bootstrap, { ...options, eval: true });
}

function projectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'tsconfig.base.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no tsconfig.base.json above ${from}`);
  }
}
