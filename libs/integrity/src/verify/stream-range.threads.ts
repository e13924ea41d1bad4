import { existsSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { TimelineError, type ErrorCategory } from '@timeline/kernel';
import type { FromStreamRangeThread, StreamRangeTask } from './stream-range.protocol';
import type { RangeVerification } from './stream-ranges';

/** A range-verification thread could not finish: it could not open or read the store, or it died. */
export class VerificationThreadError extends TimelineError {
  readonly code = 'integrity.verification-thread-failed';
  readonly category: ErrorCategory = 'unavailable';

  constructor(operationId: string, reason: string) {
    super(`A thread verifying operation ${operationId} failed: ${reason}`, { operationId });
  }
}

/**
 * Heap of each range-verification thread: it holds one page of events at a
 * time, so it stays far below this; the limit keeps a fault from growing
 * without bound beside the caller's own heap.
 */
const THREAD_HEAP_MIB = 64;

/** Verifies one range on a thread of its own, which opens its own connection to the store. */
export function verifyRangeOnThread(
  task: StreamRangeTask,
  onProgress: (events: number) => void,
): Promise<RangeVerification> {
  return new Promise((resolve, reject) => {
    const thread = spawnRangeThread(task);
    let settled = false;
    const fail = (reason: string) => {
      if (settled) return;
      settled = true;
      reject(new VerificationThreadError(task.operationId, reason));
    };
    thread.on('message', (message: FromStreamRangeThread) => {
      if (message.t === 'progress') onProgress(message.events);
      else if (message.t === 'done') {
        settled = true;
        resolve(message.result);
      } else fail(message.message);
    });
    thread.on('error', (error) => fail(error.message));
    thread.on('exit', (code) => fail(`the thread exited (code ${code}) before answering`));
  });
}

/**
 * Compiled, the thread's entry is the sibling .js file. From TypeScript sources
 * (ts-jest, ts-node) a thread does not inherit the parent's loader, so it
 * compiles what it loads with SWC, resolving the path aliases of
 * tsconfig.base.json as `npm start`'s build does (apps/run.js).
 */
function spawnRangeThread(task: StreamRangeTask): Worker {
  const options = {
    workerData: task,
    stdout: false,
    stderr: false,
    resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MIB },
  };
  if (extname(__filename) === '.js') return new Worker(join(__dirname, 'stream-range.worker.js'), options);
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
    `require(${JSON.stringify(join(__dirname, 'stream-range.worker.ts'))});`,
  ].join('\n');
  return new Worker(bootstrap, { ...options, eval: true });
}

function projectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'tsconfig.base.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`no tsconfig.base.json above ${from}`);
  }
}
