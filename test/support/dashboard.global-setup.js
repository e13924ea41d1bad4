// Builds the dashboard (apps/dashboard) before any test runs when its sources are newer than
// the build, so that `npm test` and a single `npx jest <file>` serve the current page at `/`.
const { execFileSync } = require('node:child_process');
const { existsSync, readdirSync, statSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const SOURCES = [join(ROOT, 'apps', 'dashboard'), join(ROOT, 'libs', 'api-client', 'src')];
const BUILT = join(ROOT, 'dist', 'dashboard', 'index.html');

function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

module.exports = async function buildDashboardIfStale() {
  if (existsSync(BUILT) && statSync(BUILT).mtimeMs >= Math.max(...SOURCES.map(newest))) return;
  execFileSync(
    process.execPath,
    [
      require.resolve('ts-node/dist/bin.js'),
      '-P',
      'tsconfig.json',
      '--transpile-only',
      'apps/dashboard/build.ts',
    ],
    { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] },
  );
};
