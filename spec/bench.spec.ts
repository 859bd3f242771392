// `npm run bench -- --quick` runs in CI so the benchmarks never rot. Ratios are printed, never
// asserted: speed is measured by the benchmarks, not by timed assertions.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('npm run bench -- --quick', () => {
  it('runs every benchmark to the end and prints a ratio for each', () => {
    const result = spawnSync('npm', ['run', 'bench', '--silent', '--', '--quick'], { cwd: root, encoding: 'utf8', timeout: 230_000 });
    expect(result.status, result.stderr).toBe(0);
    for (const group of ['throughput', 'sections', 'queue', 'redis', 'redis scale', 'bullmq', 'racing', 'workers', 'memory', 'size']) {
      expect(result.stdout).toMatch(new RegExp(`^${group} .* ratio `, 'm'));
    }
    expect(result.stdout).toMatch(/\d+ results in [\d.]+ s/);
  }, 240_000);
});
