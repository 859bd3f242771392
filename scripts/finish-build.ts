// `npm run build`, part 2 (after tsup has written one module per source module to dist/esm and
// dist/cjs): resolve the platform adapters, write the Node variants, emit the `.d.ts` files.
//
// The sources pick their worker adapter with package.json "imports" (#spawn, #port), which point
// into src/ for tests and tools. In dist every `#spawn`/`#port` becomes a relative path: the
// browser (default) adapter in the modules themselves, and the `worker_threads` adapter in a
// `.node.js` copy of each module on the way to it (index, createWorkerPool, fromWorker, the inline
// pool, the worker entry). Every other module exists once, so `cleanups` and the classes are shared.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');

/** The modules that reach an adapter, and so get a `.node.js` variant (paths without extension). */
const VARIANTS = ['index', 'createWorkerPool', 'fromWorker', 'internal/pool/inlinePool', 'worker/index'];
const ADAPTERS: Record<string, { browser: string; node: string }> = {
  '#spawn': { browser: 'internal/pool/spawn', node: 'internal/pool/spawn.node' },
  '#port': { browser: 'worker/port', node: 'worker/port.node' },
};

const files = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));

const rel = (from: string, to: string) => {
  const path = relative(dirname(from), to).replace(/\\/g, '/');
  return path.startsWith('.') ? path : `./${path}`;
};

/** Rewrites the adapter specifiers (and, for a Node variant, the links between variants) in `code`. */
function rewrite(code: string, file: string, tree: string, node: boolean, ext: string): string {
  let out = code;
  for (const [specifier, target] of Object.entries(ADAPTERS)) {
    const to = join(tree, `${node ? target.node : target.browser}${ext}`);
    out = out.replaceAll(`"${specifier}"`, `"${rel(file, to)}"`).replaceAll(`'${specifier}'`, `'${rel(file, to)}'`);
  }
  if (node) {
    for (const variant of VARIANTS) {
      const plain = rel(file, join(tree, `${variant}.js`));
      const nodePath = rel(file, join(tree, `${variant}.node.js`));
      out = out.replaceAll(`"${plain}"`, `"${nodePath}"`).replaceAll(`'${plain}'`, `'${nodePath}'`);
    }
  }
  return out;
}

function finishTree(tree: string): void {
  for (const file of files(tree).filter((f) => f.endsWith('.js'))) {
    const code = readFileSync(file, 'utf8');
    writeFileSync(file, rewrite(code, file, tree, false, '.js'));
  }
  for (const variant of VARIANTS) {
    const file = join(tree, `${variant}.js`);
    const nodeFile = join(tree, `${variant}.node.js`);
    // rewrite from the pristine adapter specifiers: re-read the original via the browser output
    const code = readFileSync(file, 'utf8');
    const browserSpawn = Object.values(ADAPTERS).map((a) => rel(file, join(tree, `${a.browser}.js`)));
    let nodeCode = code;
    for (const [i, target] of Object.values(ADAPTERS).entries()) {
      const nodePath = rel(file, join(tree, `${target.node}.js`));
      nodeCode = nodeCode.replaceAll(`"${browserSpawn[i]}"`, `"${nodePath}"`).replaceAll(`'${browserSpawn[i]}'`, `'${nodePath}'`);
    }
    writeFileSync(nodeFile, rewrite(nodeCode, nodeFile, tree, true, '.js'));
  }
}

finishTree(join(dist, 'esm'));
finishTree(join(dist, 'cjs'));

// Every shared internal member (a name ending in `_`, see tsup.config.ts) was renamed: one that
// survives under its own name in some file would not meet its renamed self in another.
for (const file of files(dist).filter((f) => f.endsWith('.js'))) {
  const code = readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
  const kept = code.match(/\.[a-z]\w*_\b(?!\$)|^\s+[a-z]\w*_(?=[;=(])/gm);
  if (kept) throw new Error(`finish-build: ${relative(root, file)} keeps internal names the build should have renamed: ${[...new Set(kept.map((k) => k.trim()))].join(', ')}`);
}
writeFileSync(join(dist, 'cjs', 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);

// declarations: tsc, internals stripped; the same files serve the CommonJS tree (typed as CommonJS
// there, by its package.json)
const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { encoding: 'utf8' });
if (tsc.status !== 0) {
  console.error(tsc.stdout, tsc.stderr);
  process.exit(1);
}
for (const file of files(join(dist, 'esm')).filter((f) => f.endsWith('.d.ts'))) {
  const code = readFileSync(file, 'utf8');
  writeFileSync(file, rewrite(code, file, join(dist, 'esm'), false, '.js'));
  const target = join(dist, 'cjs', relative(join(dist, 'esm'), file));
  if (existsSync(dirname(target))) copyFileSync(file, target);
}
// Only the declarations a user's types can reach ship: from each entry point's `types`, the
// relative imports they follow. An internal module's `.d.ts` (the Node port, the protocol) is not a
// type a user reads, and would carry the platform's types with it.
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
const entryTypes = new Set<string>();
const collectTypes = (node: unknown): void => {
  if (node === null || typeof node !== 'object') return;
  for (const [key, value] of Object.entries(node)) {
    if (key === 'types' && typeof value === 'string' && value.startsWith('./dist/esm/')) entryTypes.add(join(root, value));
    else collectTypes(value);
  }
};
collectTypes(pkg.exports);
const reachable = new Set<string>();
const anyTypes: string[] = [];
const visit = (file: string): void => {
  if (reachable.has(file)) return;
  if (!existsSync(file)) throw new Error(`finish-build: ${relative(root, file)}, named by package.json or an import, was not emitted`);
  reachable.add(file);
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const walk = (node: ts.Node): void => {
    if (node.kind === ts.SyntaxKind.AnyKeyword) anyTypes.push(`${relative(root, file)}:${source.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
    const specifier = ts.isImportDeclaration(node) || ts.isExportDeclaration(node) ? node.moduleSpecifier : ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) ? node.argument.literal : undefined;
    if (specifier && ts.isStringLiteral(specifier) && specifier.text.startsWith('.')) visit(join(dirname(file), specifier.text.replace(/\.js$/, '.d.ts')));
    ts.forEachChild(node, walk);
  };
  walk(source);
};
for (const entry of entryTypes) visit(entry);
for (const file of files(join(dist, 'esm')).filter((f) => f.endsWith('.d.ts') && !reachable.has(f))) {
  rmSync(file);
  rmSync(join(dist, 'cjs', relative(join(dist, 'esm'), file)), { force: true });
}
// no `any` in a shipped type: a user's strict code would lose its checks there
if (anyTypes.length > 0) throw new Error(`finish-build: 'any' in shipped declarations: ${anyTypes.join(', ')}`);
console.log('finish-build: adapters resolved, Node variants written, declarations emitted');
