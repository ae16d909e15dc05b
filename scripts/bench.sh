#!/usr/bin/env bash
# bench.sh runs `make bench`: Junction against raw Temporal and n8n on this machine, in interleaved
# rounds (each system once per round, the order turned by one place each round; the report gives
# each system's medians and the medians of the per-round ratios), then the
# scale scenario (runs parked in a Wait step), then the polling scenario (N Shopify connections, each
# polled by a shopify.new_orders definition), then the deliveries scenario (outbound webhook
# subscriptions: fan-out beside runs, and a receiver's backlog drained), then the conversations
# scenario (inbound SMS over 1,000 senders, each answered by a Reply step), then the Go
# micro-benchmarks. See docs/benchmarks.md.
#
# Everything runs on 127.0.0.1, every phase is bounded in events and time, and with one round
# (BENCH_ROUNDS=1) the defaults finish in about 19 minutes on 2 cores (7 of them the polling scenario,
# BENCH_POLL_N=100 shortens it; 6 the deliveries scenario, BENCH_DELIVERIES_DRAIN_N=1000 shortens it;
# the conversations scenario adds about 5 more, BENCH_CONVERSATIONS_N=1000 shortens it); each further
# round adds the throughput systems' time again. Knobs (environment):
#   BENCH_ROUNDS (3)  interleaved rounds of the throughput systems (temporal-raw ... n8n); each round
#                   takes as long as a whole throughput table did before rounds
#   BENCH_N (1000)  BENCH_C (16)  BENCH_MAX (60s)  BENCH_DRAIN (120s)  BENCH_WARMUP (100)
#   BENCH_TIMEOUT   hard cap on the whole run (default: 45m, and 15m more per round after the first)
#   BENCH_PERSISTENCE (sqlite,postgres)  Temporal persistences for raw Temporal and Junction;
#                   postgres uses BENCH_POSTGRES_URL, or the throwaway server of scripts/testpg.sh
#   BENCH_SYSTEMS (temporal-raw,temporal-raw-local,junction,junction-activities,n8n,park,poll,deliveries,
#                   conversations)
#   BENCH_PARK_N (500)  BENCH_PARK_PERSISTENCE (first of BENCH_PERSISTENCE)  BENCH_PARK_WAIT (auto)
#                   100,000 parked runs: BENCH_PARK_N=100000 BENCH_PARK_PERSISTENCE=postgres
#                   BENCH_SYSTEMS=park (that alone takes well over 15 minutes)
#   BENCH_POLL_N (1000)  BENCH_POLL_PERSISTENCE (first of BENCH_PERSISTENCE)  BENCH_POLL_IDLE (30s)
#   BENCH_POLL_TIMEOUT (10m)  the polling scenario; it needs the dev Vault (JUNCTION_VAULT_BIN, or
#                   .junction/bin/vault from scripts/vault.sh). BENCH_POLL_N=100 is a quick run.
#   BENCH_DELIVERIES_N (BENCH_N)  BENCH_DELIVERIES_DRAIN_N (10000)  BENCH_DELIVERIES_PERSISTENCE
#                   (first of BENCH_PERSISTENCE)  BENCH_DELIVERIES_TIMEOUT (20m)  the deliveries scenario;
#                   it needs the dev Vault, as the polling scenario does. BENCH_DELIVERIES_DRAIN_N=1000
#                   is a quick run.
#   BENCH_CONVERSATIONS_N (5000)  BENCH_CONVERSATIONS_USERS (1000)  BENCH_CONVERSATIONS_PERSISTENCE
#                   (first of BENCH_PERSISTENCE)  BENCH_CONVERSATIONS_TIMEOUT (30m)  the conversations
#                   scenario: N inbound SMS from USERS senders, each answered through a loopback fake of
#                   8x8's SMS API, beside N http_request runs in the same process
#   BENCH_CONSOLE_DEFINITIONS (1000)  BENCH_CONSOLE_RUNS (100000)  the console scenario, only when
#                   BENCH_SYSTEMS names console: an account with that many definitions and runs, then
#                   each console page timed (about 8 minutes at the defaults)
#   BENCH_WORKER_ARGS  e.g. "-workflow-pollers 8 -activity-pollers 8" (default: the SDK's)
#   BENCH_SETTINGS ()  settings separated by ";", each run beside the throughput systems as they ship
#                   in every round: environment variables (GOGC=400), serve flags (-sqlite-shards=4),
#                   hog=N (N busy loops beside the phase: a busier or slower host; n8n runs with it too)
#   BENCH_SERVE_ARGS ()  flags of every system under test: -local-http=false,
#                   -no-eager-start, -sqlite-shards N, -sqlite-shared-visibility,
#                   -sqlite-all-visibility-indexes, -postgres-shards N
#   BENCH_CPUPROFILE   write a CPU profile of the Junction phase to this file
#   BENCH_N8N_DIR (/tmp/n8n-probe)  where scripts/n8n-bench.sh installed n8n; the bench never
#                   installs it (ACTION=install bash scripts/n8n-bench.sh does, ~5 min, 2.3 GB)
#   BENCH_GO (1)    0 skips the go test micro-benchmarks
#   BENCH_OUT (/tmp/junction-bench/results-<time>)  where results.json and results.md go
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

persistence=${BENCH_PERSISTENCE:-sqlite,postgres}
out=${BENCH_OUT:-/tmp/junction-bench/results-$(date +%Y%m%d-%H%M%S)}
mkdir -p "$out"

pg_url=${BENCH_POSTGRES_URL:-}
if [[ ,$persistence, == *,postgres,* || ${BENCH_PARK_PERSISTENCE:-} == postgres || ${BENCH_POLL_PERSISTENCE:-} == postgres ||
	${BENCH_DELIVERIES_PERSISTENCE:-} == postgres || ${BENCH_CONVERSATIONS_PERSISTENCE:-} == postgres ]] && [[ -z $pg_url ]]; then
	if ! pg_url=$(./scripts/testpg.sh); then
		echo "bench.sh: no PostgreSQL (scripts/testpg.sh failed); measuring on SQLite only" >&2
		persistence=sqlite
		pg_url=""
	fi
fi

go build -o bin/junction-bench ./cmd/junction-bench

args=(
	-rounds "${BENCH_ROUNDS:-3}" -n "${BENCH_N:-1000}" -c "${BENCH_C:-16}" -max "${BENCH_MAX:-60s}" -drain "${BENCH_DRAIN:-120s}"
	-warmup "${BENCH_WARMUP:-100}" -persistence "$persistence"
	-systems "${BENCH_SYSTEMS:-temporal-raw,temporal-raw-local,junction,junction-activities,n8n,park,poll,deliveries,conversations}"
	-park-n "${BENCH_PARK_N:-500}"
	-poll-n "${BENCH_POLL_N:-1000}" -poll-idle "${BENCH_POLL_IDLE:-30s}" -poll-timeout "${BENCH_POLL_TIMEOUT:-10m}"
	-deliveries-n "${BENCH_DELIVERIES_N:-${BENCH_N:-1000}}" -deliveries-drain-n "${BENCH_DELIVERIES_DRAIN_N:-10000}"
	-deliveries-timeout "${BENCH_DELIVERIES_TIMEOUT:-20m}"
	-conversations-n "${BENCH_CONVERSATIONS_N:-5000}" -conversations-users "${BENCH_CONVERSATIONS_USERS:-1000}"
	-conversations-timeout "${BENCH_CONVERSATIONS_TIMEOUT:-30m}"
	-console-definitions "${BENCH_CONSOLE_DEFINITIONS:-1000}" -console-runs "${BENCH_CONSOLE_RUNS:-100000}"
	-n8n-dir "${BENCH_N8N_DIR:-/tmp/n8n-probe}" -n8n-script scripts/n8n-bench.sh
	-json "$out/results.json" -markdown "$out/results.md" -work-dir /tmp/junction-bench/work
)
[[ -n $pg_url ]] && args+=(-postgres-url "$pg_url")
[[ -n ${BENCH_TIMEOUT:-} ]] && args+=(-timeout "$BENCH_TIMEOUT")
[[ -n ${BENCH_PARK_PERSISTENCE:-} ]] && args+=(-park-persistence "$BENCH_PARK_PERSISTENCE")
[[ -n ${BENCH_PARK_WAIT:-} ]] && args+=(-park-wait "$BENCH_PARK_WAIT")
[[ -n ${BENCH_POLL_PERSISTENCE:-} ]] && args+=(-poll-persistence "$BENCH_POLL_PERSISTENCE")
[[ -n ${BENCH_DELIVERIES_PERSISTENCE:-} ]] && args+=(-deliveries-persistence "$BENCH_DELIVERIES_PERSISTENCE")
[[ -n ${BENCH_CONVERSATIONS_PERSISTENCE:-} ]] && args+=(-conversations-persistence "$BENCH_CONVERSATIONS_PERSISTENCE")
[[ -n ${BENCH_CPUPROFILE:-} ]] && args+=(-cpuprofile "$BENCH_CPUPROFILE")
# Every system under test runs with Junction's defaults unless BENCH_SERVE_ARGS
# says otherwise; the junction-activities system turns local HTTP steps off.
serve_args=${BENCH_SERVE_ARGS:-}
[[ -n $serve_args ]] && args+=(-serve-args "$serve_args")
# BENCH_SETTINGS: settings separated by ";", each run beside the systems as
# they ship in every round, e.g. "GOGC=400; GOMAXPROCS=1; hog=1".
IFS=';' read -ra settings <<<"${BENCH_SETTINGS:-}"
for s in "${settings[@]}"; do
	[[ -n ${s// /} ]] && args+=(-setting "$s")
done
# shellcheck disable=SC2206 # word splitting of the worker flags is the point
[[ -n ${BENCH_WORKER_ARGS:-} ]] && args+=(${BENCH_WORKER_ARGS})

./bin/junction-bench run "${args[@]}"

if [[ ${BENCH_GO:-1} != 0 ]]; then
	echo "## Go micro-benchmarks" | tee -a "$out/results.md"
	go test -run '^$' -bench . -benchtime 20000x -count 1 ./internal/bench | tee -a "$out/results.md"
fi
echo "results: $out/results.md, $out/results.json" >&2
