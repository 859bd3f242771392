#!/usr/bin/env sh
# `npm test`: type-check, install what a fresh machine lacks (Debian's Chromium, Firefox ESR and
# redis-server; Node 22/24/26, Bun and Deno from the npm registry; the Angular 22 toolchain), then
# every test on this machine's Node (vitest: the node project, with the conformance suite on every
# runtime, and the chromium project), then the node project once more on Node 24 LTS. Both runs
# always run; the command fails if either does. scripts/test-counts.mjs adds up both reports.
set -u
cd "$(dirname "$0")/.."
npm run typecheck || exit 1
sh scripts/ensure-debian.sh "${CHROMIUM_PATH:-/usr/bin/chromium}" chromium || exit 1
sh scripts/ensure-debian.sh "${FIREFOX_PATH:-/usr/bin/firefox-esr}" firefox-esr || exit 1
sh scripts/ensure-debian.sh "${REDIS_SERVER:-redis-server}" redis-server || exit 1
node --import tsx scripts/runtimes.ts || exit 1
node --import tsx scripts/toolchain.ts angular22 >/dev/null || exit 1
node24=$(node --import tsx scripts/runtimes.ts node24 | cut -d' ' -f3)
rm -rf .tmp/pack.lock .tmp/vitest-report.json .tmp/vitest-report-node24.json
status=0
echo "== vitest on $(node --version) (this machine's Node)"
node node_modules/vitest/vitest.mjs run || status=1
echo "== vitest on $("$node24" --version) (Node 24 LTS): the node project, less the conformance suite (already run on Node 24 above)"
"$node24" node_modules/vitest/vitest.mjs run --project node --exclude spec/runtimes.spec.ts --outputFile.json=.tmp/vitest-report-node24.json || status=1
exit $status
