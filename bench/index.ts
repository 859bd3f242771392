// `npm run bench` — each benchmark runs this package and the peer a user would otherwise pick, in the
// same process, alternating, after a warm-up; it prints medians and the ratio (ours / peer).
// `-- --quick` is the small version CI runs; `-- --write` regenerates docs/benchmarks.md, running
// every group once more on Node 24 LTS (the runtimes work installs it) for a second column.
// `-- --only a,b` runs those groups (by function name), `-- --skip a,b` all but those,
// `-- --repeat N` the chosen groups (the worker group by default) N times, printing every ratio,
// `-- --json FILE` writes the results as JSON.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { memory, racingVsRxjs, sectionsVsPeers, semaphoreMapVsMergeMap, waiterScaling, workersVsPeers } from './groups.js';
import { bundleSize } from './size.js';
import { machine, quick, results } from './harness.js';
import { rateLimits } from './rate.js';
import { keyedLimits } from './keyed.js';
import { keyedRedisLimits } from './redis-keyed.js';
import { observability } from './otel.js';
import { adaptiveLimits } from './adaptive.js';
import { redisLimits, redisScale, redisTopologies } from './redis.js';
import { failovers } from './failover.js';
import { queueWorkers } from './bullmq.js';

const started = performance.now();
console.log(`rxjs-concurrency benchmarks${quick ? ' (quick)' : ''} on ${machine()}\n`);
const option = (name: string) => {
  const at = process.argv.indexOf(name);
  return at > 0 ? process.argv[at + 1] : undefined;
};
const groups = [semaphoreMapVsMergeMap, sectionsVsPeers, waiterScaling, keyedLimits, rateLimits, redisLimits, redisScale, redisTopologies, failovers, keyedRedisLimits, adaptiveLimits, queueWorkers, racingVsRxjs, workersVsPeers, observability, memory, bundleSize];
const only = option('--only')?.split(',');
const skip = option('--skip')?.split(',') ?? [];
for (const name of [...(only ?? []), ...skip]) if (!groups.some((g) => g.name === name)) throw new Error(`no benchmark group ${name}: ${groups.map((g) => g.name).join(', ')}`);
const chosen = groups.filter((g) => (only ? only.includes(g.name) : true) && !skip.includes(g.name));
const json = option('--json');
// `--repeat N`: the chosen groups (the worker group unless --only) N times; a target counts as met only when every run meets it
const repeat = Number(option('--repeat') ?? 0);
if (repeat > 0) {
  const repeated = only ? chosen : [workersVsPeers];
  for (let run = 1; run <= repeat; run++) {
    console.log(`-- ${repeated.map((g) => g.name).join(', ')}: run ${run} of ${repeat}`);
    for (const group of repeated) await group();
  }
  const byName = new Map<string, typeof results>();
  for (const r of results) byName.set(`${r.name} vs ${r.peerName}`, [...(byName.get(`${r.name} vs ${r.peerName}`) ?? []), r]);
  console.log('\nevery ratio of each benchmark, run after run:');
  for (const [name, runs] of byName) {
    const met = runs.every((r) => r.met !== false);
    console.log(`${name}: ${runs.map((r) => r.ratio.toFixed(3)).join(', ')} (target ${runs[0]!.target})${runs[0]!.met === undefined ? '' : met ? '  met in every run' : '  MISSED in some run'}`);
  }
  if (json) writeFileSync(json, JSON.stringify(results));
  process.exit(0);
}
for (const group of chosen) {
  const at = performance.now();
  await group();
  console.log(`-- ${group.name}: ${((performance.now() - at) / 1000).toFixed(1)} s`);
}
if (json) writeFileSync(json, JSON.stringify(results));
// a --write run keeps its own results too, should the Node 24 step or the table fail
else if (process.argv.includes('--write')) writeFileSync(fileURLToPath(new URL('../.tmp/bench-results.json', import.meta.url)), JSON.stringify(results));
const missed = results.filter((r) => r.met === false);
console.log(`\n${results.length} results in ${((performance.now() - started) / 1000).toFixed(1)} s; targets missed: ${missed.length ? missed.map((r) => r.name).join('; ') : 'none'}`);

if (process.argv.includes('--write')) {
  // the same groups on Node 24 LTS, in a process of its own, for the second column (bundle sizes do
  // not depend on the runtime; a failover's figures are Redis's and Sentinel's)
  const root = fileURLToPath(new URL('..', import.meta.url));
  const node24 = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/runtimes.ts', 'node24'], { cwd: root, encoding: 'utf8' }).stdout.trim().split(' ')[2]!;
  // `--node24-json FILE`: the Node 24 results of an earlier run (its --json), instead of running them again
  const file = option('--node24-json') ?? `${root}.tmp/bench-node24.json`;
  if (!option('--node24-json')) {
    const skip24 = [...new Set([...skip, 'bundleSize', 'failovers'])];
    const args = ['--expose-gc', '--import', 'tsx', 'bench/index.ts', '--json', file, ...(quick ? ['--quick'] : []), ...(only ? ['--only', only.join(',')] : []), '--skip', skip24.join(',')];
    console.log(`\n-- the same on Node 24: ${node24} ${args.join(' ')}`);
    const run24 = spawnSync(node24, args, { cwd: root, stdio: 'inherit' });
    if (run24.status !== 0) throw new Error(`the Node 24 run failed (${run24.status})`);
  }
  // JSON writes NaN (no peer figure) as null
  const revive = (_key: string, value: unknown) => (value === null ? NaN : value);
  const on24 = new Map((JSON.parse(readFileSync(file, 'utf8'), revive) as typeof results).map((r) => [`${r.group}|${r.name}|${r.peerName}`, r]));
  const version24 = spawnSync(node24, ['--version'], { encoding: 'utf8' }).stdout.trim();
  const fmt = (n: number) => (typeof n !== 'number' || Number.isNaN(n) ? '—' : n >= 100 ? n.toFixed(0) : n >= 1 ? n.toFixed(2) : n.toPrecision(3));
  const ratioOf = (r: (typeof results)[number] | undefined) => (r ? `${fmt(r.ratio)}${r.spread ? ` (${fmt(r.spread[0])}–${fmt(r.spread[1])})` : ''}` : 'not run');
  const metOf = (r: (typeof results)[number] | undefined) => (r?.met === undefined ? '' : r.met ? 'met' : '**missed**');
  const rows = results.map((r) => {
    const r24 = on24.get(`${r.group}|${r.name}|${r.peerName}`);
    return `| ${r.group} | ${r.name} | ${fmt(r.ours)} ${r.unit} | ${r.peerName} | ${fmt(r.peer)}${Number.isNaN(r.peer) ? '' : ` ${r.unit}`} | ${ratioOf(r)} | ${ratioOf(r24)} | ${r.target} | ${metOf(r)} | ${metOf(r24)} |`;
  });
  writeFileSync(
    new URL('../docs/benchmarks.md', import.meta.url),
    [
      '# Benchmarks',
      '',
      'Regenerated by `npm run bench -- --write`. Each benchmark runs this package and the peer in the same',
      'process, alternately, after a warm-up, and reports the medians; the **ratio** is the median of the',
      'per-round ratios ours / peer (below 1 is faster), with the 10th–90th percentile of those ratios in',
      'brackets. Machines here are noisy: read the ratios and their spread, not the absolute times.',
      '`npm run bench -- --repeat 5` runs the worker group five times and prints every ratio (`--only a,b` picks',
      'the groups); the five-run figures of the targets are in the notes of the issue that set them.',
      '',
      `Machine: ${machine()}. Run: ${new Date().toISOString().slice(0, 10)}${quick ? ' (quick mode)' : ''}.`,
      `The times are Node ${process.version}'s; the second ratio column is the same benchmark run on Node 24 LTS (${version24}) in a`,
      'process of its own on the same machine (bundle sizes and failovers are not run again: they do not depend on',
      'the runtime).',
      '',
      `| group | benchmark | ours | peer | peer’s | ratio (${process.version}) | ratio (${version24}) | target | ${process.version} | ${version24} |`,
      '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
      ...rows,
      '',
      'Peers (dev dependencies, used only here): `async-mutex` and `p-limit` for the locks and',
      'semaphores, `p-queue` and `bottleneck` for the rate limiter, `redis-semaphore` for the Redis semaphore',
      '(4 processes against one redis-server that the benchmark starts), plain BullMQ (`queue.add` and',
      '`job.waitUntilFinished` with `QueueEvents`, 2 worker processes) for the queue pool,',
      '`piscina`, `tinypool` and `workerpool` for the worker pool, each called as its own docs show (piscina',
      'and tinypool `run(x)` of a default export taking the number, workerpool `exec(name, [x])`), a raw',
      '`worker_threads` echo for latency,',
      'rxjs itself for the operators. Sizes come from the packed tarball installed in a scratch project,',
      'bundled for the browser by esbuild and by Rolldown (minified, rxjs left out), then gzipped.',
      '',
    ].join('\n'),
  );
  console.log('wrote docs/benchmarks.md');
}
