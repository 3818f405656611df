// The import graph `npm test` checks (npm run lint): the library imports no app, an app imports
// no other app, and nothing imports in a circle.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two modules are one responsibility split in two, or one leans on the other both ways.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'library-imports-no-app',
      severity: 'error',
      comment: 'libs/sync-core is what the apps share; it cannot depend on any of them.',
      from: { path: '^libs/' },
      to: { path: '^(apps|src)/' },
    },
    {
      name: 'app-imports-no-other-app',
      severity: 'error',
      comment: 'What two apps share moves into libs/sync-core (reached through @fieldsync/sync-core).',
      from: { path: '^apps/([^/]+)/' },
      to: { path: '^apps/', pathNot: '^apps/$1/' },
    },
    {
      name: 'apps-reach-the-library-by-its-name',
      severity: 'error',
      comment: 'Apps import @fieldsync/sync-core (its index says what it offers), never its files.',
      from: { path: '^apps/' },
      to: { path: '^libs/sync-core/src/', pathNot: '^libs/sync-core/src/index\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^dist/|\\.spec\\.ts$)' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
  },
};
