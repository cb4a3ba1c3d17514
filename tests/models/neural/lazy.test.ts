import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('TensorFlow.js loading', () => {
  it('importing tunekit does not load it; loading the neural backend does', async () => {
    const script = fileURLToPath(new URL('./fixtures/lazy-load.ts', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', script]);
    expect(JSON.parse(stdout.trim().split('\n').pop() as string)).toEqual({ afterImport: false, afterLoad: true, backend: 'wasm' });
  });
});
