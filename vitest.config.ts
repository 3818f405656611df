import swc from 'unplugin-swc';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// esbuild drops decorator metadata, which Nest's DI needs: compile through swc instead.
export default defineConfig({
  // unplugin-swc's types follow the top-level vite (the console's, 8), vitest 3 runs its own vite 7; the plugin works with both.
  plugins: [swc.vite({ module: { type: 'es6' } }) as never],
  resolve: {
    alias: {
      '@fieldsync/sync-core': fileURLToPath(new URL('./libs/sync-core/src/index.ts', import.meta.url)),
    },
  },
  test: {
    include: ['apps/**/*.spec.ts', 'libs/**/*.spec.ts', 'src/**/*.spec.ts', 'bench/**/*.spec.ts', 'test/**/*.e2e.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    globalSetup: ['test/reliability/harness/summary.global.ts'],
    fileParallelism: false,
  },
});
