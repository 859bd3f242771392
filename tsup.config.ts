import { readFileSync, readdirSync } from 'node:fs';
import { defineConfig, type Options } from 'tsup';

// One output module per source module, as rxjs ships, so that a bundler drops every module an app
// does not import ("sideEffects": false). scripts/finish-build.ts then resolves the platform
// adapters (#spawn, #port) in each tree, writes the `.node.js` variants of the few modules that
// reach them, and emits the `.d.ts` files with tsc (internals stripped).
//
// What a user's minifier can shrink is what we write: class-private state is `#private` (renamed by
// esbuild, Rolldown and terser; a TypeScript `private` property keeps its name). Class fields keep
// define semantics, which cost a few bytes (each name is declared once more) but give a Subscriber
// subclass a fast shape in V8 (see internal/core/subscribers.ts).
//
// Members that classes of this package share with each other but never with a user (a section's
// queue links, the gate's methods: `head_`, `tryTake_`) end in `_`. A user's minifier cannot
// rename them, so this build does: every such name found in src/ gets a short one (`$0`, `$1`, …)
// from one table, the same in every file and in both formats. Such names must not be reached by
// a string (`obj['x_']`) or cross a process boundary. They are @internal, so no .d.ts a user
// reads names them.
const internalNames = [
  ...new Set(
    readdirSync('src', { recursive: true, encoding: 'utf8' })
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) => readFileSync(`src/${file}`, 'utf8').match(/(?<=\.)[a-z]\w*_\b|^\s+(?:(?:protected|readonly|public|override|get) )*[a-z]\w*_(?=[?!]?[(:=;])/gm) ?? [])
      .map((name) => name.trim().split(' ').pop()!),
  ),
].sort();
const mangleCache = Object.fromEntries(internalNames.map((name, i) => [name, `$${i.toString(36)}`]));

const shared: Options = {
  entry: ['src/**/*.ts'],
  bundle: false,
  splitting: false,
  sourcemap: false,
  treeshake: false,
  target: 'es2022',
  platform: 'neutral',
  dts: false,
  clean: false,
  esbuildOptions(options) {
    options.mangleProps = new RegExp(`^(${internalNames.join('|')})$`);
    options.mangleCache = { ...mangleCache };
  },
};

export default defineConfig([
  { ...shared, format: ['esm'], outDir: 'dist/esm' },
  // CommonJS in its own folder, marked `"type": "commonjs"`, so `require('./x.js')` finds CommonJS
  { ...shared, format: ['cjs'], outDir: 'dist/cjs', outExtension: () => ({ js: '.js' }) },
]);
