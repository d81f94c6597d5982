import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The composer's pure logic (model, XML, templates) runs in Node; the browser test lives in
// test/browser and runs with the main suite.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  test: {
    include: ['src/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
  },
});
