#!/usr/bin/env bash
# chaos.sh runs `make chaos`: the production topology on this machine (a Temporal server on
# PostgreSQL, `junction worker` and `junction gateway`, each in its own process) under a load of
# webhook events sent with an Idempotency-Key and retried until acknowledged, while the gateway,
# then the worker, then the Temporal server are killed with SIGKILL and started again. Its last
# line is the verdict:
#
#   chaos: acked A, delivered D, lost L, duplicated U (U' after receiver dedupe)
#
# and it exits non-zero unless L and U' are 0. See docs/benchmarks.md ("Chaos: kill -9").
#
# Everything listens on 127.0.0.1; the run is bounded in events and in time (CHAOS_TIMEOUT).
# PostgreSQL is CHAOS_POSTGRES_URL, or the throwaway server of scripts/testpg.sh; the run's
# databases (CHAOS_DB, CHAOS_DB_visibility, CHAOS_DB_meta) are dropped at its start, so they do not
# collide with the tests'. Logs: /tmp/junction-bench/chaos/{temporal,worker,gateway}.log.
#
# Knobs (environment), default in brackets:
#   CHAOS_N [500]  events        CHAOS_C [8]  events in flight     CHAOS_RATE [20]  new events a second
#   CHAOS_TIMEOUT [10m]  hard cap on the run      CHAOS_DB [jchaos]  database name prefix
#   CHAOS_ARGS  more flags of `junction-bench chaos`: -downtime, -temporal-downtime, -receiver-latency,
#               -local-http=false, -send-timeout, -drain, -json FILE
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

pg_url=${CHAOS_POSTGRES_URL:-}
if [[ -z $pg_url ]]; then
	pg_url=$(./scripts/testpg.sh)
fi

# The production build (no -tags dev) is what operators run: the worker and
# the gateway killed here are the ones deploy/Dockerfile ships. It gets a
# name of its own so that bin/junction stays the dev build make build made.
go build -o bin/junction-prod ./cmd/junction
go build -o bin/junction-bench ./cmd/junction-bench

# shellcheck disable=SC2206 # word splitting of the extra flags is the point
exec ./bin/junction-bench chaos -junction bin/junction-prod -postgres-url "$pg_url" \
	-n "${CHAOS_N:-500}" -c "${CHAOS_C:-8}" -rate "${CHAOS_RATE:-20}" \
	-timeout "${CHAOS_TIMEOUT:-10m}" -db "${CHAOS_DB:-jchaos}" ${CHAOS_ARGS:-}
