import { defineConfig } from 'vitest/config';

// CI asks for a JSON report too (to print a plain 'N passed, N failed' line).
const jsonReport = process.env.TUNEKIT_VITEST_JSON;

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    // Real-data tests are CPU heavy; on a 2-core machine two files at once is the sweet spot.
    maxWorkers: 2,
    reporters: jsonReport ? ['default', ['json', { outputFile: jsonReport }]] : ['default'],
  },
});
