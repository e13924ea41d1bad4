import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The EventStoreDB protocol test server in a child process, so that the CPU time of this process is the client side's alone. */
export async function startServerProcess(): Promise<{ connectionString: string; stop: () => Promise<void> }> {
  const serverModule = join(
    __dirname,
    '..',
    '..',
    'test',
    'support',
    'eventstoredb-test-server',
    'eventstoredb-test-server.ts',
  );
  const child = spawn(
    process.execPath,
    ['-r', 'ts-node/register/transpile-only', '-e', serverProgram(serverModule)],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const connectionString = await new Promise<string>((resolve, reject) => {
    child.once('message', (message) => resolve(String(message)));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the test server exited with ${code}`)));
  });
  return {
    connectionString,
    stop: async () => {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

function serverProgram(serverModule: string): string {
  return `
    const { EventStoreDbTestServer } = require(${JSON.stringify(serverModule)});
    EventStoreDbTestServer.start().then((server) => {
      process.send(server.connectionString);
      process.on('SIGTERM', () => server.stop().then(() => process.exit(0)));
    });
  `;
}
