#!/usr/bin/env bash
# cluster.sh runs `make cluster`: two Temporal server processes forming one cluster on PostgreSQL
# (each runs every Temporal service; they find each other in the database), two `junction worker`
# and two `junction gateway` processes, all on 127.0.0.1, with a small TCP balancer in front of the
# two frontends standing for a cluster's load balancer. It measures the throughput of the two nodes,
# then kills node 1's gateway, worker and Temporal server with SIGKILL during a paced load, for good,
# then measures the node that is left. Its last line is the verdict:
#
#   cluster: acked A, delivered D, lost L, duplicated U (U' after receiver dedupe)
#
# and it exits non-zero unless L and U' are 0, every event made exactly one run and nothing else
# went wrong. See docs/operations.md ("A cluster that survives losing a node").
#
# Bounded in events and in time (CLUSTER_TIMEOUT). PostgreSQL is CLUSTER_POSTGRES_URL, or the
# throwaway server of scripts/testpg.sh; the run's databases (CLUSTER_DB, CLUSTER_DB_visibility,
# CLUSTER_DB_meta) are dropped at its start. Logs: /tmp/junction-bench/cluster/*.log.
#
# Knobs (environment), default in brackets:
#   CLUSTER_N [600]  events of the paced load      CLUSTER_C [16]  events in flight
#   CLUSTER_RATE [20]  new events a second in the paced load
#   CLUSTER_THROUGHPUT_N [1000]  events of each unpaced load (two nodes, then one; 0: none)
#   CLUSTER_TIMEOUT [15m]  hard cap      CLUSTER_DB [jcluster]  database name prefix
#   CLUSTER_ARGS  more flags of `junction-bench cluster`: -shards, -receiver-latency, -send-timeout,
#                 -drain, -json FILE
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local

pg_url=${CLUSTER_POSTGRES_URL:-}
if [[ -z $pg_url ]]; then
	pg_url=$(./scripts/testpg.sh)
fi

# The production build, as chaos uses, under a name of its own: bin/junction stays the dev build.
go build -o bin/junction-prod ./cmd/junction
go build -o bin/junction-bench ./cmd/junction-bench

# shellcheck disable=SC2206 # word splitting of the extra flags is the point
exec ./bin/junction-bench cluster -junction bin/junction-prod -postgres-url "$pg_url" \
	-n "${CLUSTER_N:-600}" -c "${CLUSTER_C:-16}" -rate "${CLUSTER_RATE:-20}" \
	-throughput-n "${CLUSTER_THROUGHPUT_N:-1000}" \
	-timeout "${CLUSTER_TIMEOUT:-15m}" -db "${CLUSTER_DB:-jcluster}" ${CLUSTER_ARGS:-}
