#!/usr/bin/env bash
# npm test — the whole test suite, from nothing: installs what is missing (scripts/setup.sh), then runs
# the vitest suite (it starts its own PostgreSQL) and the Playwright suite in Debian's Chromium against
# the production build (it starts Slipway, PostgreSQL and a GitHub OAuth stand-in on loopback).
# Extra arguments go to vitest, e.g. `npm test -- test/audit`; with arguments the browser suite is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1 PRISMA_HIDE_UPDATE_MESSAGE=1
unset DATABASE_URL

bash scripts/setup.sh
mkdir -p test-results
rm -f test-results/vitest.json test-results/playwright.json

status=0
echo "== unit and integration tests (vitest)"
npx vitest run --reporter=default --reporter=json --outputFile.json=test-results/vitest.json "$@" || status=1

if [ $# -eq 0 ]; then
  echo "== production build"
  # reused when test/start.one-time-link.test.ts already built these sources (it builds when there is none)
  npm run build -- --if-changed
  echo "== browser tests (Playwright, Chromium)"
  PLAYWRIGHT_JSON_OUTPUT_NAME=test-results/playwright.json npx playwright test --reporter=list,json || status=1
fi

node scripts/test-summary.mjs || status=1
exit $status
