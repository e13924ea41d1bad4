import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('createEventStore', () => {
  it('opens the embedded store without loading the EventStoreDB client', () => {
    const dir = mkdtempSync(join(tmpdir(), 'timeline-factory-'));
    try {
      // A fresh process: what a verification or export thread loads when it opens the embedded store.
      const script = `
        const { createEventStore } = require(${JSON.stringify(join(__dirname, 'event-store.factory.ts'))});
        createEventStore({ kind: 'sqlite', file: ${JSON.stringify(join(dir, 'events.db'))} }).then(async (store) => {
          await store.close();
          const loaded = Object.keys(require.cache);
          console.log(JSON.stringify({
            sqlite: loaded.some((path) => path.includes('sqlite.event-store')),
            eventStoreDb: loaded.some((path) => path.includes('@eventstore') || path.includes('eventstoredb.event-store')),
          }));
        });`;
      const child = spawnSync(
        process.execPath,
        [
          '-r',
          require.resolve('ts-node/register/transpile-only'),
          '-r',
          require.resolve('tsconfig-paths/register'),
          '-e',
          script,
        ],
        { encoding: 'utf8', cwd: join(__dirname, '..', '..', '..') },
      );
      expect(child.stderr).toBe('');
      expect(JSON.parse(child.stdout.trim())).toEqual({ sqlite: true, eventStoreDb: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
