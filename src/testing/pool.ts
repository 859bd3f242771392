// `rxjs-concurrency/testing/pool`: the in-process pool alone, for projects without fast-check.
export { inProcessPool } from './inProcessPool.js';
