import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { createEventStore } from '@timeline/event-store';
import { aHistory, appendSealed } from '@timeline/integrity/testing/sealed-history.fixture';

const ROOT = resolve(__dirname, '../../..');
const run = promisify(execFile);

/**
 * What a command loads, not how long it takes: commands that need neither Nest nor a store
 * driver must not load them (each command loads its libraries when it runs; see main.ts), so
 * that `--help`, `token` and the offline commands (`verify-export`, `replay --from-export`)
 * start in a fraction of a second.
 */
const HEAVY = /node_modules\/(@nestjs\/[^/]+|@eventstore\/db-client|@grpc\/grpc-js|better-sqlite3)\//;

describe('the CLI loads only what a command needs', () => {
  let dir: string;
  let hook: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'timeline-cli-startup-'));
    hook = join(dir, 'record-loaded-modules.js');
    // Preloaded into the CLI's process: on exit, writes every module it loaded.
    await writeFile(
      hook,
      "process.on('exit', () => require('node:fs').writeFileSync(process.env.LOADED_MODULES_FILE, Object.keys(require.cache).join('\\n')));\n",
    );
    // A store, and an export of it for the offline commands.
    const store = await createEventStore({ kind: 'sqlite', file: join(dir, 'data', 'events.db') });
    await appendSealed(store, 'venetic', aHistory('venetic', 3));
    await store.close();
    await loadedBy(['export', '--operation', 'venetic', '--out', 'venetic']);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  /** Runs `npm run cli -- …` as cli.process.int-spec does, and returns the packages the process loaded. */
  async function loadedBy(args: string[]): Promise<{ stdout: string; heavy: string[]; modules: string[] }> {
    const out = join(dir, `loaded-${args.join('_').replace(/\W/g, '-')}.txt`);
    const { stdout } = await run(process.execPath, ['-r', hook, join(ROOT, 'apps/run.js'), 'cli', ...args], {
      cwd: dir,
      env: { ...process.env, LOADED_MODULES_FILE: out, DATA_DIR: join(dir, 'data') },
    });
    const modules = (await readFile(out, 'utf8')).split('\n');
    const heavy = [...new Set(modules.map((path) => HEAVY.exec(path)?.[1]).filter((name) => name))];
    return { stdout, heavy: heavy as string[], modules };
  }

  it.each([[['--help']], [['seed', '--help']], [['verify-audit', '--help']]])(
    '%j loads neither Nest nor a store driver',
    async (args) => {
      const { stdout, heavy, modules } = await loadedBy(args);
      expect(stdout).toContain('Usage: timeline');
      expect(heavy).toEqual([]);
      // The hook did see the CLI itself load: an empty list would prove nothing.
      expect(modules.some((path) => path.endsWith('node_modules/commander/index.js'))).toBe(true);
    },
  );

  it('issues a token without loading Nest or a store driver', async () => {
    const { stdout, heavy } = await loadedBy(['token', '--role', 'auditor', '--agency', 'NWP']);
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(heavy).toEqual([]);
  });

  it('verifies an export offline without loading Nest or a store driver', async () => {
    const { stdout, heavy } = await loadedBy(['verify-export', 'venetic.ndjson']);
    expect(stdout).toMatch(/^OK: .*venetic\.ndjson: 3 events/);
    expect(heavy).toEqual([]);
  });

  it('replays an export file without loading Nest or a store driver', async () => {
    const { stdout, heavy } = await loadedBy([
      'replay',
      '--from-export',
      'venetic.ndjson',
      '--operation',
      'venetic',
    ]);
    expect(JSON.parse(stdout)).toMatchObject({ operationId: 'venetic' });
    expect(heavy).toEqual([]);
  });

  it('does load the store driver when a command opens the store (the check can see it)', async () => {
    const { stdout, heavy } = await loadedBy(['verify', '--operation', 'venetic']);
    expect(stdout).toMatch(/^OK: operation venetic: 3 events/);
    expect(heavy).toContain('better-sqlite3');
  });
});
