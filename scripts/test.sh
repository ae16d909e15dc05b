#!/usr/bin/env bash
# test.sh runs every test. The store tests run against SQLite and PostgreSQL;
# this script starts a throwaway PostgreSQL (scripts/testpg.sh) unless
# JUNCTION_TEST_POSTGRES_URL already names one. Under CI a missing database
# is an error, never a silent skip.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

if [ -z "${JUNCTION_TEST_POSTGRES_URL:-}" ]; then
	if url=$(./scripts/testpg.sh); then
		export JUNCTION_TEST_POSTGRES_URL=$url
	elif [ -n "${CI:-}" ]; then
		echo "test.sh: could not start PostgreSQL for the store tests" >&2
		exit 1
	else
		echo "test.sh: no PostgreSQL; the store's PostgreSQL tests will be skipped" >&2
	fi
fi

# The end-to-end tests start a real Temporal server per test; give them time
# on a 2-core machine.
go test -count=1 -timeout 20m "$@" ./...

# Each fuzz target runs for a bounded time on top of its seed corpus (which
# the plain run above already replays). FUZZTIME=0 skips this.
fuzztime=${FUZZTIME:-10s}
if [ "$fuzztime" != "0" ]; then
	for target in FuzzParse FuzzRender; do
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" ./definition/
	done
fi
