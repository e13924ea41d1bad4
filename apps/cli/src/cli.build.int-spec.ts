import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, stat, symlink, utimes, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const ROOT = resolve(__dirname, '../../..');
const run = promisify(execFile);

/**
 * `npm run cli` (apps/cli/run.js) compiles with SWC the sources changed since its last run
 * into dist/cli, then runs the compiled CLI. Here on a tree of its own: a main that prints
 * what a library under libs/ exports through a path alias.
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
      const { stdout, stderr } = await run(process.execPath, [join(tree, 'apps/cli/run.js')], { cwd: tree });
      return { code: 0, stdout, stderr };
    } catch (error) {
      const failed = error as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }

  beforeAll(async () => {
    tree = await mkdtemp(join(tmpdir(), 'timeline-cli-build-'));
    await mkdir(join(tree, 'apps/cli'), { recursive: true });
    await copyFile(join(ROOT, 'apps/cli/run.js'), join(tree, 'apps/cli/run.js'));
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
});
