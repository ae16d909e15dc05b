#!/bin/sh
# setup-namespace.sh prepares a Temporal namespace for Junction: creates it when missing (30 days
# of retention) and registers Junction's search attributes, which the worker and the gateway write
# and query (runs.SearchAttributes; deploy/temporal_test.go checks this list against it). Run it
# once per namespace, and again after an upgrade that adds attributes; what exists is kept.
# docker-compose.yml runs it as its temporal-namespace step, with the temporalio/admin-tools image.
#
#   TEMPORAL_ADDRESS=temporal-frontend:7233 deploy/temporal/setup-namespace.sh [namespace]
#
# The worker adds missing attributes itself at start (--register-search-attributes, on by
# default), which needs operator rights on the cluster; with this script run beforehand, workers
# can run with --register-search-attributes=false and no such rights.
#
# On SQL visibility (PostgreSQL, MySQL) a namespace has 10 Keyword and 3 Int attribute slots:
# Junction takes the ones listed below.
set -eu

namespace=${1:-${JUNCTION_NAMESPACE:-default}}
address=${TEMPORAL_ADDRESS:?set TEMPORAL_ADDRESS to the frontend, host:port}

# retry N COMMAND...: the cluster may still be starting, and a new namespace takes a few seconds
# to reach every frontend.
retry() {
	n=$1
	shift
	until "$@"; do
		n=$((n - 1))
		if [ "$n" -le 0 ]; then
			return 1
		fi
		sleep 2
	done
}

retry 60 temporal operator cluster health --address "$address" >/dev/null
if ! temporal operator namespace describe --address "$address" --namespace "$namespace" >/dev/null 2>&1; then
	temporal operator namespace create --address "$address" --namespace "$namespace" --retention 720h
fi

# name type: Junction's search attributes.
while read -r name type; do
	retry 15 temporal operator search-attribute create --address "$address" --namespace "$namespace" \
		--name "$name" --type "$type"
done <<'ATTRIBUTES'
JunctionAccountId Keyword
JunctionSubAccountId Keyword
JunctionDefinitionId Keyword
JunctionDefinitionVersion Int
JunctionTrigger Keyword
JunctionAwaitingReply Keyword
JunctionRunStatus Keyword
JunctionApp KeywordList
JunctionErrorKind Keyword
ATTRIBUTES
echo "setup-namespace: namespace $namespace has Junction's search attributes"
