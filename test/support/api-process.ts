import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { testAuthEnvironment } from './auth.tokens';

const ROOT = join(__dirname, '../..');

/** Starts the api as `npm start` would (the real main), resolving with its port once it listens. */
export function startApiProcess(
  dataDir: string,
  output: string[],
  env: Readonly<Record<string, string>> = {},
): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', 'apps/api/src/main.ts'],
    {
      cwd: ROOT,
      env: {
        ...process.env,
        ...testAuthEnvironment(),
        PORT: '0',
        HOST: '127.0.0.1',
        DATA_DIR: dataDir,
        LOG_LEVEL: 'info',
        TS_NODE_PROJECT: 'tsconfig.json',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return new Promise((resolve, reject) => {
    let buffered = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        output.push(line);
        const match = /"msg":"listening","port":(\d+)/.exec(line);
        if (match) resolve({ child, port: Number(match[1]) });
      }
    });
    child.stderr!.setEncoding('utf8').on('data', (chunk: string) => output.push(chunk));
    child.once('exit', (code, signal) =>
      reject(new Error(`the api exited before listening (${code ?? signal}): ${output.join('\n')}`)),
    );
  });
}

/** A JSON POST on a fresh connection: its status and body, or `refused` when no answer came (the server closed). */
export function postJson(
  port: number,
  path: string,
  payload: unknown,
  authorization: string,
): Promise<{ readonly status: number; readonly body: string } | 'refused'> {
  const text = JSON.stringify(payload);
  return new Promise((resolve) => {
    const request = httpRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: 'POST',
        agent: false,
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': Buffer.byteLength(text),
          Authorization: authorization,
        },
      },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    request.on('error', () => resolve('refused'));
    request.end(text);
  });
}
