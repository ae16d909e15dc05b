#!/usr/bin/env bash
# vulndb.sh prints the path of a local copy of the Go vulnerability database, building it first if
# it is missing, for govulncheck's -db flag:
#
#   go run golang.org/x/vuln/cmd/govulncheck@v1.9.0 -db "file://$(scripts/vulndb.sh)" ./...
#
# Only the path goes to stdout; build output goes to stderr. The machines that build and test
# Junction reach the Go module proxy and nothing else, so govulncheck cannot read vuln.go.dev.
# The database's source is a Go module, golang.org/x/vulndb, whose data/osv holds every report as
# an OSV file; its own cmd/indexdb writes them out in the v1 layout govulncheck reads
# (index/db.json, index/modules.json, ID/<id>.json). The copy is kept per vulndb version under
# .junction/vulndb; pinning the version keeps lint reproducible, and moving it to the newest
# (`go list -m golang.org/x/vulndb@latest`, run outside the module) is how the database is
# updated. A build takes about 30 s the first time (the indexdb command's modules), seconds after.
#
# Environment:
#   JUNCTION_VULNDB_VERSION  the golang.org/x/vulndb version (default below)
set -euo pipefail

# Keep stdout for the path alone: fd 3 is the real stdout, everything else goes to stderr.
exec 3>&1 1>&2

REPO=$(cd "$(dirname "$0")/.." && pwd)
VERSION=${JUNCTION_VULNDB_VERSION:-v0.0.0-20261105234957-e22db6528018}
DB=$REPO/.junction/vulndb/$VERSION
export GOTOOLCHAIN=local

if [[ -f $DB/index/modules.json ]]; then
	printf '%s\n' "$DB" >&3
	exit 0
fi

printf 'vulndb.sh: building %s from golang.org/x/vulndb@%s\n' "$DB" "$VERSION"
mkdir -p "$(dirname "$DB")"
work=$(mktemp -d "$DB.tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Outside Junction's module, so that neither go.mod nor go.sum learns of the vulndb module.
cd "$work"
src=$(go mod download -json "golang.org/x/vulndb@$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
if [[ ! -d $src/data/osv ]]; then
	echo "vulndb.sh: golang.org/x/vulndb@$VERSION has no data/osv" >&2
	exit 1
fi
go run "golang.org/x/vulndb/cmd/indexdb@$VERSION" -vulns "$src/data/osv" -out "$work/db"
mv "$work/db" "$DB"
printf '%s\n' "$DB" >&3
