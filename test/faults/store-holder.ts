import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '../..');

/** What the holder child said once it tried to open the store. */
export type HolderAnswer = { readonly ready: number } | { readonly refused: string };

/** A second process on the store: opens it for writing (store-holder.child.ts) and answers. */
export function startHolder(file: string): { child: ChildProcess; answer: Promise<HolderAnswer> } {
  const child = spawn(
    process.execPath,
    [
      '-r',
      require.resolve('ts-node/register/transpile-only'),
      '-r',
      require.resolve('tsconfig-paths/register'),
      join(__dirname, 'store-holder.child.ts'),
      file,
    ],
    { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, TS_NODE_PROJECT: 'tsconfig.json' } },
  );
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const answer = new Promise<HolderAnswer>((resolve, reject) => {
    let stdout = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      const line = stdout.split('\n')[0];
      if (stdout.includes('\n')) resolve(JSON.parse(line) as HolderAnswer);
    });
    child.once('exit', (code, signal) =>
      reject(new Error(`the holder exited before answering (${code ?? signal}): ${stderr}`)),
    );
  });
  return { child, answer };
}

/** Resolves once the child has exited (at once if it has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}
