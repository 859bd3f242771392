// An Angular consumer: a standalone component and services using semaphoreMap, timeoutWith and
// raceFirst, compiled by the Angular compiler with strict template type-checking.
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('examples/angular', () => {
  it('compiles with ngc in strict template mode', () => {
    const result = spawnSync(process.execPath, [`${root}node_modules/@angular/compiler-cli/bundles/src/bin/ngc.js`, '-p', `${root}examples/angular/tsconfig.json`], {
      cwd: root,
      encoding: 'utf8',
      timeout: 170_000,
    });
    expect(`${result.stdout}${result.stderr}`).toBe('');
    expect(result.status).toBe(0);
    const compiled = readFileSync(`${root}.tmp/angular-out/examples/angular/src/app/catalogue.component.js`, 'utf8');
    expect(compiled).toContain('ɵɵdefineComponent');
    expect(compiled).toContain('ɵɵrepeaterCreate'); // the @for block was compiled
  });
});
