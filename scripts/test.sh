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

# vaultx and devvault test against a real Vault, built from source
# (tools/vault; BUSL: built to test, never shipped): minutes cold, seconds
# warm. Under CI a missing Vault fails those tests instead of skipping them.
if [ -z "${JUNCTION_VAULT_BIN:-}" ]; then
	if bin=$(./scripts/vault.sh); then
		export JUNCTION_VAULT_BIN=$bin
	elif [ -n "${CI:-}" ]; then
		echo "test.sh: could not build Vault for the vaultx tests" >&2
		exit 1
	else
		echo "test.sh: no Vault; the vaultx tests will be skipped" >&2
	fi
fi

# The end-to-end tests start a real Temporal server per test; give them time
# on a 2-core machine.
go test -count=1 -timeout 20m "$@" ./...

# Each fuzz target runs a bounded number of inputs (about 10 s here) on top
# of its seed corpus (which the plain run above already replays). A count,
# not a duration: with -fuzztime 10s Go's fuzzer failed once with "context
# deadline exceeded" when the time ran out while it was minimizing a new
# input; in a later run it spent 50 s at 0 inputs/s minimizing, inside the
# default 60 s budget for that, which is capped here. FUZZTIME=0 skips this.
fuzztime=${FUZZTIME:-200000x}
if [ "$fuzztime" != "0" ]; then
	for target in FuzzParse FuzzRender; do
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" -fuzzminimizetime 10s ./definition/
	done
fi
