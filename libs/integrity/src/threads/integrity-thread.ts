import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { TimelineError, type ErrorCategory } from '@timeline/kernel';

/** A verification thread could not finish: it could not open or read what it checks, or it died. */
export class VerificationThreadError extends TimelineError {
  readonly code = 'integrity.verification-thread-failed';
  readonly category: ErrorCategory = 'unavailable';

  constructor(what: string, reason: string) {
    super(`A thread verifying ${what} failed: ${reason}`, { verifying: what });
  }
}

/** The threads' entries, by path under libs/integrity/src without extension. */
export type IntegrityThreadEntry =
  'verify/stream-range.worker' | 'export/export-range.worker' | 'export/export-part.worker';

/** What every integrity thread sends back: progress, then its result or why it failed. */
export type FromIntegrityThread<T> =
  | { readonly t: 'progress'; readonly done: number }
  | { readonly t: 'done'; readonly result: T }
  | { readonly t: 'failed'; readonly message: string };

/**
 * Heap of each thread: it holds one page of events (or one line) at a time, so
 * it stays far below this; the limit keeps a fault from growing without bound
 * beside the caller's own heap.
 */
const THREAD_HEAP_MIB = 64;

/** Runs one task on a thread of its own and settles with its result. */
export function runOnThread<T>(
  entry: IntegrityThreadEntry,
  task: unknown,
  what: string,
  onProgress: (done: number) => void = () => undefined,
): Promise<T> {
  return new Promise((resolve, reject) => {
    const thread = spawnIntegrityThread(entry, task);
    let settled = false;
    const fail = (reason: string) => {
      if (settled) return;
      settled = true;
      reject(new VerificationThreadError(what, reason));
    };
    thread.on('message', (message: FromIntegrityThread<T>) => {
      if (message.t === 'progress') onProgress(message.done);
      else if (message.t === 'done') {
        settled = true;
        resolve(message.result);
      } else fail(message.message);
    });
    thread.on('error', (error) => fail(error.message));
    thread.on('exit', (code) => fail(`the thread exited (code ${code}) before answering`));
  });
}

/** The body of a thread's entry: runs its task and posts what came of it. */
export function serveThreadTask<T>(
  port: { postMessage(message: FromIntegrityThread<T>): void },
  work: (progress: (done: number) => void) => Promise<T>,
): void {
  work((done) => port.postMessage({ t: 'progress', done })).then(
    (result) => port.postMessage({ t: 'done', result }),
    (error: unknown) =>
      port.postMessage({ t: 'failed', message: error instanceof Error ? error.message : String(error) }),
  );
}

/**
 * Compiled, a thread's entry is the sibling .js file. From TypeScript sources
 * (ts-jest, ts-node) a thread does not inherit the parent's loader, so it
 * compiles what it loads with SWC, resolving the path aliases of
 * tsconfig.base.json as `npm start`'s build does (apps/run.js).
 */
function spawnIntegrityThread(entry: IntegrityThreadEntry, workerData: unknown): Worker {
  const options = {
    workerData,
    stdout: false,
    stderr: false,
    resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MIB },
  };
  const source = join(__dirname, '..', entry);
  if (extname(__filename) === '.js') return new Worker(`${source}.js`, options);
  const root = projectRoot(__dirname);
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
    `require(${JSON.stringify(`${source}.ts`)});`,
  ].join('\n');
  return new Worker(bootstrap, { ...options, eval: true });
}

function projectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'tsconfig.base.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no tsconfig.base.json above ${from}`);
  }
}
