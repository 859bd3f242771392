// The public types under the TypeScript versions users have: 5.9, 6.0 and 7 (the native compiler,
// installed as the alias typescript-7; `npm install typescript` gives 7 today). type-tests/
// inference.ts pins what every public function infers; each file of type-tests/mistakes/ holds
// one mistake whose message must be about the mistake itself.
import { describe, it, expect } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const COMPILERS = [
  ['5.9', 'typescript'],
  ['6.0', 'typescript-6'],
  ['7', 'typescript-7'],
] as const;

function tsc(pkg: string, project: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [`${root}node_modules/${pkg}/bin/tsc`, '--noEmit', '--pretty', 'false', '-p', project], { cwd: root });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (out += d));
    child.on('close', (code) => resolve({ code, out }));
  });
}

/** A tsconfig that compiles one file with the project's settings. */
function projectFor(file: string): string {
  const dir = `${root}.tmp/type-tests`;
  mkdirSync(dir, { recursive: true });
  const path = `${dir}/${file.replace(/[/.]/g, '_')}.json`;
  writeFileSync(path, JSON.stringify({ extends: '../../tsconfig.json', compilerOptions: { noEmit: true }, include: [], files: [`../../${file}`] }));
  return path;
}

const MISTAKES: Record<string, RegExp[]> = {
  // a task that does not exist: one line names it and every task that does (not only the last
  // one tried, as TypeScript 7 did with a union of call tuples)
  name: [/^.*Type '"countPrime"' is not assignable to type '(?=[^']*"fib")(?=[^']*"later")(?=[^']*"countPrimes")(?=[^']*"stubborn")[^']*'/m],
  // an argument of the wrong type: the message names the parameter and both types
  argtype: [/Type 'string' is not assignable to type 'number/, /n: number/],
  // a missing argument: the message names the parameter that is missing
  missing: [/Source has 2 element\(s\) but target requires 3/, /ms: number/],
};

describe('types under TypeScript 5.9, 6.0 and 7', () => {
  it.each(COMPILERS)('TypeScript %s: type-tests/inference.ts compiles (every inference as pinned)', async (_version, pkg) => {
    const { code, out } = await tsc(pkg, `${root}type-tests/tsconfig.json`);
    expect(out).toBe('');
    expect(code).toBe(0);
  });

  it('every mistake file is checked', () => {
    expect(readdirSync(`${root}type-tests/mistakes`).sort()).toEqual(Object.keys(MISTAKES).map((m) => `${m}.ts`).sort());
  });

  for (const [version, pkg] of COMPILERS) {
    it.each(Object.entries(MISTAKES))(`TypeScript ${version}: the mistake "%s" in fromWorker(pool, …) is reported about itself`, async (mistake, patterns) => {
      const { code, out } = await tsc(pkg, projectFor(`type-tests/mistakes/${mistake}.ts`));
      expect(code).not.toBe(0);
      expect(out).toMatch(/mistakes\/\w+\.ts\(9,/); // on the line of the call
      for (const pattern of patterns) expect(out).toMatch(pattern);
      // TypeScript 7 reports the last overload only: it must be the pool form's, not the inline
      // function's "WorkerPool is not assignable to (...args: never[]) => unknown"
      if (version === '7') expect(out).not.toMatch(/is not assignable to parameter of type '\(\.\.\.args: never\[\]\) => unknown'/);
    });
  }
});
