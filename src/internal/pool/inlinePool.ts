import * as platform from '#spawn';
import { Pool } from './pool.js';

/** The shared pool of inline functions (`fromWorker(fn, ...args)`), made on first use. */
let inlinePool: Pool | undefined;
export function sharedInlinePool(): Pool {
  return (inlinePool ??= new Pool(platform, { inline: true }, {}));
}
