import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // App tests import the test kit as app authors do (tsconfig.json `paths` for the editor).
  resolve: { alias: { '@switchboard/sdk/testkit': fileURLToPath(new URL('./platform/testkit/index.ts', import.meta.url)) } },
  test: {
    include: ['platform/**/*.test.ts', 'cpl/**/*.test.ts', 'apps/**/*.test.ts', 'test/**/*.test.ts'],
    // End-to-end tests bind real loopback ports; run files one at a time inside a worker pool of
    // two so that port allocation stays simple and CI on two cores is not oversubscribed.
    pool: 'forks',
    // isolated-vm 5 on Node 20 needs V8's startup snapshot off in every process that loads it
    // (platform/container); the flag is harmless for every other test.
    execArgv: ['--no-node-snapshot'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
