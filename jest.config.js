// One jest run, three kinds of test (README "Testing"), told apart by suffix; some e2e suites run on both stores.
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.base.json');

const shared = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
};

module.exports = {
  // A global option: per-project testTimeout is not honoured. Integration and e2e tests wait on real I/O.
  testTimeout: 120000,
  // The api serves the dashboard's build at `/`: built first when its sources changed.
  globalSetup: '<rootDir>/test/support/dashboard.global-setup.js',
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/{apps,libs,events}/**/*.spec.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/{apps,libs,events,test}/**/*.int-spec.ts'],
    },
    { ...shared, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] },
    // The dashboard in headless Chromium (README "The dashboard", docs/testing.md).
    { ...shared, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'] },
    {
      // The write-API and read-side suites once more, over the EventStoreDB adapter on its protocol test server.
      ...shared,
      displayName: 'e2e-eventstoredb',
      setupFiles: ['<rootDir>/test/support/eventstoredb.e2e-setup.ts'],
      testMatch: [
        '<rootDir>/test/recording*.e2e-spec.ts',
        '<rootDir>/test/read-models.e2e-spec.ts',
        '<rootDir>/test/live.e2e-spec.ts',
      ],
    },
  ],
};
