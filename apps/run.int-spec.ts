import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '..');
const run = promisify(execFile);

/**
 * `npm run cli` and `npm start` (apps/run.js) compile with SWC the sources changed since
 * their last run into dist/<app>, then run the compiled app. Here on a tree of its own: a
 * main that prints what a library under libs/ exports through a path alias.
 */
describe('npm run cli compiles what changed, then runs the CLI', () => {
  let tree: string;
  const library = () => join(tree, 'libs/lib/src/index.ts');
  const output = (source: string) => join(tree, 'dist/cli', source.replace(/\.ts$/, '.js'));

  /**
   * Writes a source. The tree's first sources are dated a minute back, so that a source
   * written after a run is always newer than what that run compiled.
   */
  async function writeSource(path: string, text: string, modified = new Date()): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
    await utimes(path, modified, modified);
  }

  async function cli(): Promise<{ code: number; stdout: string; stderr: string }> {
    try {
      const { stdout, stderr } = await run(process.execPath, [join(tree, 'apps/run.js'), 'cli'], {
        cwd: tree,
      });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  beforeAll(async () => {
    tree = await mkdtemp(join(tmpdir(), 'timeline-cli-build-'));
    await mkdir(join(tree, 'apps/cli'), { recursive: true });
    await copyFile(join(ROOT, 'apps/run.js'), join(tree, 'apps/run.js'));
    await copyFile(join(ROOT, '.swcrc'), join(tree, '.swcrc'));
    await symlink(join(ROOT, 'node_modules'), join(tree, 'node_modules'));
    await writeFile(
      join(tree, 'tsconfig.base.json'),
      JSON.stringify({
        compilerOptions: {
          baseUrl: '.',
          paths: { '@t/lib': ['libs/lib/src'], '@t/lib/*': ['libs/lib/src/*'] },
        },
      }),
    );
    const aMinuteAgo = new Date(Date.now() - 60_000);
    await writeSource(
      join(tree, 'apps/cli/src/main.ts'),
      "import { greeting } from '@t/lib';\nprocess.stdout.write(`${greeting}\\n`);\n",
      aMinuteAgo,
    );
    await writeSource(library(), "export const greeting: string = 'one';\n", aMinuteAgo);
    await writeSource(join(tree, 'libs/lib/src/index.spec.ts'), 'not compiled (;\n', aMinuteAgo);
  });
  afterAll(() => rm(tree, { recursive: true, force: true }));

  it('compiles every source on the first run, tests aside, and prints only what the CLI prints', async () => {
    expect(await cli()).toEqual({ code: 0, stdout: 'one\n', stderr: '' });
    expect(existsSync(output('libs/lib/src/index.ts'))).toBe(true);
    expect(existsSync(output('libs/lib/src/index.spec.ts'))).toBe(false);
  });

  it('compiles a changed source again, and only it', async () => {
    const main = (await stat(output('apps/cli/src/main.ts'))).mtimeMs;
    await writeSource(library(), "export const greeting: string = 'two';\n");
    expect(await cli()).toEqual({ code: 0, stdout: 'two\n', stderr: '' });
    expect((await stat(output('apps/cli/src/main.ts'))).mtimeMs).toBe(main);
  });

  it('drops the output of a deleted source', async () => {
    await writeSource(join(tree, 'libs/lib/src/extra.ts'), 'export const extra = 1;\n');
    await cli();
    expect(existsSync(output('libs/lib/src/extra.ts'))).toBe(true);
    await rm(join(tree, 'libs/lib/src/extra.ts'));
    expect(await cli()).toEqual({ code: 0, stdout: 'two\n', stderr: '' });
    expect(existsSync(output('libs/lib/src/extra.ts'))).toBe(false);
  });

  it('compiles every source again when the compiler settings change', async () => {
    const main = (await stat(output('apps/cli/src/main.ts'))).mtimeMs;
    const now = new Date();
    await utimes(join(tree, '.swcrc'), now, now);
    expect(await cli()).toEqual({ code: 0, stdout: 'two\n', stderr: '' });
    expect((await stat(output('apps/cli/src/main.ts'))).mtimeMs).toBeGreaterThan(main);
  });

  it('names a source that does not compile, runs nothing and exits 5', async () => {
    await writeSource(library(), 'export const greeting: string = ;\n');
    const { code, stdout, stderr } = await cli();
    expect([code, stdout]).toEqual([5, '']);
    expect(stderr).toMatch(/^error: cannot compile libs\/lib\/src\/index\.ts: /);
    expect(stderr).not.toContain('Stack backtrace');
  });

  describe('npm start: the api, and the dashboard it serves', () => {
    const builds = () => join(tree, 'dashboard-builds.txt');
    async function api(): Promise<{ code: number; stdout: string; dashboardBuilds: number }> {
      try {
        const { stdout } = await run(process.execPath, [join(tree, 'apps/run.js'), 'api'], { cwd: tree });
        return { code: 0, stdout, dashboardBuilds: await countBuilds() };
      } catch (error) {
        const failed = error as { code: number; stdout: string };
        return { code: failed.code, stdout: failed.stdout, dashboardBuilds: await countBuilds() };
      }
    }
    async function countBuilds(): Promise<number> {
      return existsSync(builds()) ? (await readFile(builds(), 'utf8')).split('\n').filter(Boolean).length : 0;
    }

    beforeAll(async () => {
      await writeSource(join(tree, 'libs/lib/src/index.ts'), "export const greeting: string = 'api';\n");
      await writeSource(
        join(tree, 'apps/api/src/main.ts'),
        "import { greeting } from '@t/lib';\nprocess.stdout.write(`${greeting}\\n`);\n",
      );
      await writeSource(join(tree, 'apps/dashboard/src/main.tsx'), 'export {};\n');
      await writeSource(join(tree, 'apps/dashboard/build.ts'), 'export {};\n');
      // The dashboard's build: writes the page, and notes that it ran.
      const build = [
        "const fs = require('node:fs');",
        "fs.mkdirSync('dist/dashboard', { recursive: true });",
        "fs.writeFileSync('dist/dashboard/index.html', 'page');",
        "fs.appendFileSync('dashboard-builds.txt', 'built\\n');",
      ].join(' ');
      await writeFile(
        join(tree, 'package.json'),
        JSON.stringify({ name: 'tree', private: true, scripts: { 'build:dashboard': `node -e "${build}"` } }),
      );
    });

    it('builds the dashboard when it was never built, then runs the api', async () => {
      expect(await api()).toEqual({ code: 0, stdout: 'api\n', dashboardBuilds: 1 });
    });

    it('does not build anything again on an unchanged tree', async () => {
      const main = (await stat(join(tree, 'dist/api/apps/api/src/main.js'))).mtimeMs;
      expect(await api()).toEqual({ code: 0, stdout: 'api\n', dashboardBuilds: 1 });
      expect((await stat(join(tree, 'dist/api/apps/api/src/main.js'))).mtimeMs).toBe(main);
    });

    it('builds the dashboard again when one of its sources is newer than the build', async () => {
      const later = new Date(Date.now() + 5_000);
      await utimes(join(tree, 'apps/dashboard/src/main.tsx'), later, later);
      expect(await api()).toEqual({ code: 0, stdout: 'api\n', dashboardBuilds: 2 });
    });

    it('runs no api when the dashboard does not build', async () => {
      const later = new Date(Date.now() + 10_000);
      await utimes(join(tree, 'apps/dashboard/build.ts'), later, later);
      await writeFile(
        join(tree, 'package.json'),
        JSON.stringify({
          name: 'tree',
          private: true,
          scripts: { 'build:dashboard': 'node -e "process.exit(3)"' },
        }),
      );
      const { code, stdout } = await api();
      expect([code, stdout]).toEqual([1, '']);
    });
  });
});
