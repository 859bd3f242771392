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
};

export default defineConfig([
  { ...shared, format: ['esm'], outDir: 'dist/esm' },
  // CommonJS in its own folder, marked `"type": "commonjs"`, so `require('./x.js')` finds CommonJS
  { ...shared, format: ['cjs'], outDir: 'dist/cjs', outExtension: () => ({ js: '.js' }) },
]);
