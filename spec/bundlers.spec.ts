// What bundlers do with the package, in production builds run in real browsers (Debian's Chromium
// and Firefox ESR, see spec/browsers.ts): examples/vite-app built by `vite build` and
// examples/angular built by Angular 22's CLI (application builder, run with Node 24: Angular 22
// refuses Node 20), both against the packed tarball, each served from a loopback server that also
// serves a small JSON API, once with COOP/COEP headers (cross-origin isolated: shared memory for
// ctx.throwIfCancelled) and once without.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packedProject } from '../scripts/packed.js';
import { ensureRuntime } from '../scripts/runtimes.js';
import { ensureToolchain } from '../scripts/toolchain.js';
import { launchChromium, launchFirefox, type TestBrowser } from './browsers.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.json': 'application/json' };

interface Api {
  inFlight: number;
  mostInFlight: number;
  aborted: number;
}

/** Serves `dir` and `/api/item?id=&ms=` (an item after `ms`, default 50, counting the requests in flight) on loopback. */
function serve(dir: string, isolated: boolean, api: Api): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (isolated) {
      res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
      res.setHeader('Cross-Origin-Embedder-Policy', 'require-corp');
    }
    if (url.pathname === '/api/item') {
      api.inFlight++;
      api.mostInFlight = Math.max(api.mostInFlight, api.inFlight);
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        api.inFlight--;
        res.setHeader('Content-Type', 'application/json');
        const id = Number(url.searchParams.get('id'));
        res.end(JSON.stringify({ id, name: `Product ${id}` }));
      }, Number(url.searchParams.get('ms') ?? 50));
      req.on('close', () => {
        if (done) return;
        clearTimeout(timer);
        api.inFlight--;
        api.aborted++;
      });
      return;
    }
    const file = normalize(join(dir, url.pathname === '/' ? 'index.html' : url.pathname));
    if (!file.startsWith(dir) || !existsSync(file)) return void res.writeHead(404).end();
    res.setHeader('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const viteProject = `${root}.tmp/vite-project`;
const angularProject = `${root}.tmp/angular-project`;

beforeAll(() => {
  packedProject(viteProject, ['rxjs', 'vite']);
  cpSync(`${root}examples/vite-app`, viteProject, { recursive: true });
  execFileSync(process.execPath, [`${viteProject}/node_modules/vite/bin/vite.js`, 'build', '--logLevel', 'error'], { cwd: viteProject, stdio: 'pipe' });
  // Angular 22 with its TypeScript 6.0, from its own toolchain; rxjs from there too, so that the
  // app and the package share one rxjs
  const toolchain = `${ensureToolchain('angular22')}/node_modules`;
  const angular = ['core', 'common', 'compiler', 'compiler-cli', 'platform-browser', 'build', 'cli'].map((p) => `@angular/${p}`);
  packedProject(angularProject, ['rxjs', 'tslib', 'typescript', ...angular], toolchain);
  // the app's own tsconfig.json is the ngc check's (paths into src/): the CLI uses tsconfig.app.json
  cpSync(`${root}examples/angular`, angularProject, { recursive: true, filter: (src) => !src.endsWith('/tsconfig.json') });
  execFileSync(ensureRuntime('node24').path, [`${angularProject}/node_modules/@angular/cli/bin/ng.js`, 'build'], {
    cwd: angularProject,
    stdio: 'pipe',
    env: { ...process.env, NG_CLI_ANALYTICS: 'false', CI: 'true' },
  });
}, 300_000);

describe('the Vite production build', () => {
  it('the worker is a bundled module, not an inlined .ts asset', () => {
    const assets = execFileSync('ls', [`${viteProject}/dist/assets`], { encoding: 'utf8' });
    expect(assets).toMatch(/tasks\.worker[-.\w]*\.js/);
    const main = readFileSync(`${viteProject}/dist/${/src="\/(assets\/[^"]+\.js)"/.exec(readFileSync(`${viteProject}/dist/index.html`, 'utf8'))![1]}`, 'utf8');
    expect(main).not.toMatch(/data:video\/mp2t|data:application\/octet-stream/);
  });

  it('the Angular build is Angular 22', () => {
    const version = JSON.parse(readFileSync(`${angularProject}/node_modules/@angular/core/package.json`, 'utf8')) as { version: string };
    expect(version.version).toMatch(/^22\./);
  });
});

describe.each([
  ['Chromium', launchChromium],
  ['Firefox', launchFirefox],
] as const)('in %s', (browserName, launch) => {
let browser: TestBrowser;

beforeAll(async () => {
  browser = await launch();
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe(`a Vite production build (vite build) of an app using the packed package, in ${browserName}`, () => {
  it.each([
    ['with COOP/COEP (cross-origin isolated)', true],
    ['without COOP/COEP', false],
  ])('%s: a worker value, a stream cut by take(3), a busy loop cancelled then the next task, an error, the inline form, semaphoreMap(2) over fetch', async (_name, isolated) => {
    const api: Api = { inFlight: 0, mostInFlight: 0, aborted: 0 };
    const server = await serve(`${viteProject}/dist`, isolated, api);
    const page = await browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
      await page.waitFor('window.result !== undefined');
      const result = await page.evaluate('window.result');
      expect(page.errors).toEqual([]);
      expect(result).toEqual({
        value: 5,
        streamed: [1, 2, 3],
        afterSpin: 42,
        afterPolite: 2,
        error: ['RangeError', 'expected a count from 0 up, got -1'],
        inline: 42,
        items: [1, 2, 3, 4, 5, 6],
        isolated,
      });
      expect(api.mostInFlight).toBe(2); // the server saw at most two requests at once
    } finally {
      await page.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe(`an Angular 22 CLI production build (application builder) of the catalogue app, in ${browserName}`, () => {
  const waitFor = async (check: () => boolean, ms = 15_000) => {
    const end = Date.now() + ms;
    while (!check()) {
      if (Date.now() > end) throw new Error('condition not reached in time');
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  it.each([
    ['with COOP/COEP', true],
    ['without COOP/COEP', false],
  ])('%s: HttpClient through semaphoreMap(2) (the server sees at most 2 at once), an rxResource over it, a worker task, raceFirst', async (_name, isolated) => {
    const api: Api = { inFlight: 0, mostInFlight: 0, aborted: 0 };
    const server = await serve(`${angularProject}/dist/browser`, isolated, api);
    const page = await browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/?ms=50`);
      await page.waitFor('window.catalogueReport?.score !== undefined && window.catalogueReport?.featured !== undefined');
      const report = await page.evaluate('window.catalogueReport');
      expect(page.errors).toEqual([]);
      // six "Product N" names of 9 characters each, scored in the bundled worker
      // featured: an rxResource over semaphoreMap, through the same quota
      expect(report).toEqual({ products: [1, 2, 3, 4, 5, 6], featured: [7, 8, 9], score: 54, banner: 'banner from eu' });
      expect(api.mostInFlight).toBe(2);
    } finally {
      await page.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('leaving the component aborts its requests in flight (takeUntilDestroyed): the server sees the aborts', async () => {
    const api: Api = { inFlight: 0, mostInFlight: 0, aborted: 0 };
    const server = await serve(`${angularProject}/dist/browser`, false, api);
    const page = await browser.newPage();
    try {
      await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/?ms=5000`);
      await waitFor(() => api.inFlight === 2);
      await page.evaluate('window.leaveCatalogue()');
      await waitFor(() => api.aborted === 2 && api.inFlight === 0);
      const report = await page.evaluate<{ left?: string; products?: number[] }>('window.catalogueReport');
      expect(report.left).toBe('unsubscribed');
      expect(report.products).toBeUndefined();
      expect(api.mostInFlight).toBe(2); // the four queued requests were never sent
    } finally {
      await page.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
});
