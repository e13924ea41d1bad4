import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '../..');

// A subscription that knows of committed events it has not delivered yet keeps its process
// alive until it has: a script that appends and awaits its own events must not end early
// (docs/architecture.md, "Durability of the embedded store": subscriptions are woken after a sync).
describe('the embedded store’s subscriptions in a process with nothing else to do', () => {
  const directory = mkdtempSync(join(tmpdir(), 'timeline-subscription-alive-'));
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  it('deliver every event before the process may end', () => {
    const child = spawnSync(
      process.execPath,
      [
        '-r',
        'ts-node/register/transpile-only',
        '-r',
        'tsconfig-paths/register',
        join(__dirname, 'sqlite-subscription.child.ts'),
        join(directory, 'events.db'),
      ],
      {
        cwd: ROOT,
        env: { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect({ status: child.status, stdout: child.stdout }).toEqual({ status: 0, stdout: 'delivered 2\n' });
  });
});
