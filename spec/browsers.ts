// The two browser engines the production builds run in, behind one small interface: Debian's
// Chromium driven by Playwright, and Debian's Firefox ESR driven by puppeteer-core over WebDriver
// BiDi (Playwright drives only its own Firefox build, which cannot be downloaded here). Both are
// installed by `npm test` (scripts/ensure-debian.sh) when missing; CHROMIUM_PATH and FIREFOX_PATH
// point at others. Page code is passed as expression strings, which both drivers evaluate alike.
import { chromium } from 'playwright';
import puppeteer from 'puppeteer-core';

export interface TestPage {
  /** Uncaught errors of the page, as text. */
  readonly errors: string[];
  goto(url: string): Promise<void>;
  /** Resolves once `expression` is truthy in the page. */
  waitFor(expression: string, timeout?: number): Promise<void>;
  evaluate<T>(expression: string): Promise<T>;
  close(): Promise<void>;
}

export interface TestBrowser {
  readonly name: 'Chromium' | 'Firefox';
  newPage(): Promise<TestPage>;
  close(): Promise<void>;
}

/** What both drivers' pages have alike; only their `waitForFunction` takes its options differently. */
interface DriverPage {
  on(event: 'pageerror', listener: (error: unknown) => void): unknown;
  goto(url: string): Promise<unknown>;
  evaluate(expression: string): Promise<unknown>;
  close(): Promise<void>;
}

function testPage(page: DriverPage, waitFor: (expression: string, timeout: number) => Promise<unknown>): TestPage {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return {
    errors,
    goto: async (url) => void (await page.goto(url)),
    waitFor: async (expression, timeout = 20_000) => void (await waitFor(expression, timeout)),
    evaluate: (expression) => page.evaluate(expression) as Promise<never>,
    close: () => page.close(),
  };
}

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

export async function launchChromium(): Promise<TestBrowser> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  return {
    name: 'Chromium',
    newPage: async () => {
      const page = await browser.newPage();
      return testPage(page, (expression, timeout) => page.waitForFunction(expression, undefined, { timeout }));
    },
    close: () => browser.close(),
  };
}

export async function launchFirefox(): Promise<TestBrowser> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr',
    headless: true,
    // no update checks, telemetry or captive-portal probes: this machine has no network
    extraPrefsFirefox: { 'app.update.enabled': false, 'network.captive-portal-service.enabled': false, 'datareporting.policy.dataSubmissionEnabled': false },
  });
  return {
    name: 'Firefox',
    newPage: async () => {
      const page = await browser.newPage();
      return testPage(page, (expression, timeout) => page.waitForFunction(expression, { timeout }));
    },
    close: () => browser.close(),
  };
}
