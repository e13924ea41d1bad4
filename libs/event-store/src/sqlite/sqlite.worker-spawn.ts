import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';

/** The store's worker threads, by the base name of their entry file. */
export type SqliteWorkerEntry = 'sqlite.writer.worker' | 'sqlite.read-ahead.worker';

/**
 * Starts one of the store's worker threads. Compiled (dist) the entry is a
 * sibling .js file. From TypeScript sources (ts-jest, ts-node) a worker thread
 * does not inherit the parent's loader, so it registers ts-node in
 * transpile-only mode before loading the .ts entry; the entries use no path
 * aliases, so nothing else is needed.
 */
export function spawnSqliteWorker(entry: SqliteWorkerEntry, workerData: unknown): Worker {
  const options = { workerData, stdout: false, stderr: false };
  if (extname(__filename) === '.js') return new Worker(join(__dirname, `${entry}.js`), options);
  const tsNode = require.resolve('ts-node');
  const source = join(__dirname, `${entry}.ts`);
  const bootstrap = [
    `require(${JSON.stringify(tsNode)}).register({`,
    `  transpileOnly: true, skipProject: true,`,
    `  compilerOptions: { module: 'commonjs', target: 'es2022', esModuleInterop: true, sourceMap: true },`,
    `});`,
    `require(${JSON.stringify(source)});`,
  ].join('\n');
  return new Worker(bootstrap, { ...options, eval: true });
}
