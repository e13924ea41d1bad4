// Dependency rules of the architecture (docs/architecture.md §1), checked by `npm run lint`.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      comment:
        'libs/domain holds deciders only: no Nest, no I/O, no store, no clock or randomness from libraries.',
      severity: 'error',
      from: { path: '^libs/domain/' },
      to: {
        path: [
          '^libs/(event-store|projections|integrity|demo-data)/',
          '^apps/',
          'node_modules/(@nestjs|better-sqlite3|@eventstore|rxjs|uuid)/',
        ],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'domain-no-node-io',
      severity: 'error',
      from: { path: '^libs/domain/' },
      to: {
        dependencyTypes: ['core'],
        path: '^(fs|net|http|https|child_process|worker_threads|crypto|os|dgram|tls)$',
      },
    },
    {
      name: 'events-contract-is-standalone',
      comment: 'The published event contract depends on nothing of ours but the kernel.',
      severity: 'error',
      from: { path: '^events/' },
      to: { path: '^(libs/(?!kernel/)|apps/)' },
    },
    {
      name: 'libs-never-import-apps',
      severity: 'error',
      from: { path: '^(libs|events)/' },
      to: { path: '^apps/' },
    },
    {
      name: 'apps-never-import-each-other',
      comment:
        'The api and the CLI are deployables: what both need (auth, store configuration…) lives in a library.',
      severity: 'error',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'auth-is-standalone',
      comment:
        'libs/auth (principal, token verification, local-dev keys) depends on nothing of ours but the kernel.',
      severity: 'error',
      from: { path: '^libs/auth/', pathNot: '\\.(spec|int-spec|e2e-spec)\\.ts$' },
      to: { path: '^(libs/(?!kernel/|auth/)|events/|apps/)' },
    },
    {
      name: 'adapters-behind-the-port',
      comment:
        'Only the event-store library itself (and its tests) may reach an adapter; everyone else uses the port.',
      severity: 'error',
      from: { path: '^(apps|libs/(?!event-store/))', pathNot: '\\.(spec|int-spec|e2e-spec)\\.ts$' },
      to: { path: '^libs/event-store/src/(sqlite|eventstoredb)/' },
    },
    {
      name: 'store-drivers-only-in-adapters',
      severity: 'error',
      from: {
        pathNot: [
          '^libs/event-store/src/(sqlite|eventstoredb)/',
          '^test/',
          '^bench/',
          '\\.(spec|int-spec|e2e-spec)\\.ts$',
        ],
      },
      to: { path: 'node_modules/(better-sqlite3|@eventstore/db-client)/' },
    },
    {
      name: 'offline-libraries-use-the-store-port',
      comment:
        'integrity and the folds of projections work on a store they are given, through its port ' +
        '(@timeline/event-store/port), never its index (the adapters, their drivers, the Nest module): what they offer ' +
        'offline (an export verified, a replay from its file) then loads neither Nest nor a driver, so the CLI ' +
        'answers such commands at once (apps/cli/src/cli.startup.int-spec.ts checks what they load). Only the ' +
        "projections' Nest module and the index that exports it reach further, and the threads that verify or " +
        'export a range of a stream, which open their own connection from the store configuration they are given ' +
        '(started by path, never imported).',
      severity: 'error',
      from: {
        path: '^libs/(integrity|projections)/src/',
        pathNot: [
          '\\.(spec|int-spec|e2e-spec)\\.ts$',
          '/testing/',
          '^libs/projections/src/(index|projections\\.module)\\.ts$',
          '^libs/integrity/src/(verify/stream-range|export/export-part)\\.worker\\.ts$',
        ],
      },
      to: {
        path: [
          '^libs/event-store/src/(index|event-store\\.module|event-store\\.factory)\\.ts$',
          '^libs/event-store/src/(sqlite|eventstoredb)/',
          'node_modules/@nestjs/',
        ],
        dependencyTypesNot: ['type-only'],
      },
    },
    {
      name: 'integrity-uses-the-event-envelope',
      comment:
        'integrity needs of the event contract only its envelope (stream names, the genesis hash): the contract’s index ' +
        'loads every event’s validation classes, which an export’s offline check (`verify-export`) does without.',
      severity: 'error',
      from: { path: '^libs/integrity/src/', pathNot: ['\\.(spec|int-spec|e2e-spec)\\.ts$', '/testing/'] },
      to: { path: '^events/src/index\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-folder-cycle-in-apps',
      comment:
        "An app's feature folders (read-models, live, auth, ...) depend on each other one way: a folder that imports " +
        'another is never imported back, through any path. docs/ assembles the OpenAPI document from every feature; ' +
        'the features use only http/problems.openapi.ts, so docs/ only reads them (a cycle through it still starts ' +
        'in a feature folder and is caught). Modules of one folder may import each other.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^apps/[^/]+/src/[^/]+', pathNot: '^apps/[^/]+/src/docs$' },
      to: { path: '^apps/[^/]+/src/[^/]+', circular: true },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    exclude: { path: '(^dist/|node_modules)' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['require', 'node', 'default', 'types'],
    },
  },
};
