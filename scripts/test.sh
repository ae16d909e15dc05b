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

# The console's browser test (internal/devstack, TestConsoleInBrowser)
# drives Debian's Chromium headless and checks each page with axe-core, an
# npm package pinned in console/a11y. Both are installed here when missing
# and we are root (as scripts/testpg.sh does for PostgreSQL); under CI the
# test fails without them, elsewhere it skips saying how to install them.
apt_install() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "test.sh: not root, not installing $*; the console's browser test will skip without them" >&2
		return 0
	fi
	echo "test.sh: installing $* with apt-get" >&2
	# A failure is the test's to report (it fails under CI), not a reason
	# to skip every other test.
	DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 &&
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2 ||
		echo "test.sh: could not install $*" >&2
}
if ! command -v chromium >/dev/null; then
	apt_install chromium
fi
if ! command -v npm >/dev/null; then
	# Debian's nodejs has no npm of its own; other builds of nodejs
	# (NodeSource's) bring theirs and conflict with Debian's npm.
	if command -v node >/dev/null; then apt_install npm; else apt_install nodejs npm; fi
fi
if [ ! -d console/a11y/node_modules/axe-core ] && command -v npm >/dev/null; then
	npm ci --prefix console/a11y --no-audit --no-fund >&2 ||
		echo "test.sh: npm ci --prefix console/a11y failed" >&2
fi

# Every package's tests run under the race detector but those that link the
# Temporal server: the end-to-end tests (internal/devstack) and the rest
# that links it (internal/devserver, internal/bench, cmd/...), which run
# without it. Measured on 2 cores: the end-to-end tests take 222 s under
# -race against 173 s without once built, but the first race build of the
# Temporal server took 293 s (`go test -race -run TestAuthentication
# ./internal/devstack`, cold), which every fresh machine and every Temporal
# upgrade would pay, and each of those packages links it again. Running the
# other packages with -race instead of without costs about 30 s: 82-86 s
# against 49-57 s for their tests (`go test [-race] -count=1 <those
# packages>`, warm build cache). The end-to-end tests need time on a 2-core
# machine.
without_race='/internal/devstack$|/internal/devserver$|/internal/bench$|/cmd/'
mapfile -t race_pkgs < <(go list ./... | grep -Ev "$without_race")
mapfile -t plain_pkgs < <(go list ./... | grep -E "$without_race")
go test -race -count=1 -timeout 20m "$@" "${race_pkgs[@]}"
go test -count=1 -timeout 20m "$@" "${plain_pkgs[@]}"

# Each fuzz target then runs a fixed number of inputs on top of its seed
# corpus (which the runs above already replay). A count, not a
# duration: with -fuzztime 10s Go's fuzzer failed once with "context
# deadline exceeded" when the time ran out while it was minimizing a new
# input. Minimizing is capped by a count too: the default 60 s budget for
# it let a target sit at 0 inputs/s for 50 s (FuzzParse) and more (the
# webhook targets), and a short run needs no tidy corpus; a crash is still
# minimized that far. The counts give each target a few seconds: the whole
# phase (the loop below, timed alone, warm build cache) took 56 s on an idle
# 2-core machine and 87 s while other builds shared it. FUZZTIME=0 skips the
# phase; FUZZTIME=<n>x or <d> runs every target for that instead.
fuzz_targets=(
	# package                   target        inputs
	"./definition               FuzzParse     40000x"
	"./definition               FuzzRender    40000x"
	"./store                    FuzzParseKey  20000x"
	"./connectors               FuzzSchema    3000x"
	"./connectors/httpconn      FuzzJSONPath  15000x"
	"./connectors/httpconn      FuzzXPath     15000x"
	"./connectors/httpconn      FuzzXML       5000x"
	"./connectors/twilio        FuzzForm      20000x"
	"./connectors/twilio        FuzzReceive   8000x"
	"./connectors/shopify       FuzzReceive   8000x"
	"./connectors/slack         FuzzReceive   8000x"
	"./connectors/telegram      FuzzReceive   8000x"
	"./connectors/woocommerce   FuzzReceive   8000x"
	"./connectors/eightbyeight  FuzzReceive   8000x"
	"./payloadcodec             FuzzHandler   3000x"
	"./gateway                  FuzzBind      5000x"
	"./outbound                 FuzzEncodeBody 20000x"
)
if [ "${FUZZTIME:-}" != "0" ]; then
	for line in "${fuzz_targets[@]}"; do
		read -r pkg target count <<<"$line"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "${FUZZTIME:-$count}" -fuzzminimizetime 200x "$pkg"
	done
fi
