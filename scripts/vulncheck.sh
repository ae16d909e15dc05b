#!/usr/bin/env bash
# vulncheck.sh runs govulncheck over every package against the local vulnerability database
# (scripts/vulndb.sh) and fails when Junction's code calls a vulnerable symbol that is not listed,
# with the reason it is not fixed yet, in scripts/vulncheck-accepted.txt. Listed ones are named
# but do not fail: a finding that needs a decision beyond a lint fix (a new Go toolchain, a
# Temporal upgrade) would otherwise keep `make lint` red for everyone, and a red lint is soon
# ignored. A listed finding that is gone is reported, so the list can be trimmed.
#
# govulncheck reads the whole program with its dependencies: 2.5 minutes on an idle 2-core
# machine here, 5 on a busy one, and up to 12 GB of memory, which is why it runs in `make lint` and not in every `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
GOVULNCHECK=${GOVULNCHECK:-golang.org/x/vuln/cmd/govulncheck@v1.9.0}
ACCEPTED=scripts/vulncheck-accepted.txt

db=$(./scripts/vulndb.sh)
# Installed, not `go run`: go run turns govulncheck's exit code 3 (found)
# into its own 1, which says nothing.
GOBIN=$PWD/.junction/bin go install "$GOVULNCHECK"
out=$(mktemp)
trap 'rm -f "$out"' EXIT
rc=0
.junction/bin/govulncheck -db "file://$db" ./... >"$out" 2>&1 || rc=$?
# 0: nothing called; 3: vulnerable symbols are called; anything else: govulncheck failed.
if [[ $rc != 0 && $rc != 3 ]]; then
	cat "$out" >&2
	echo "vulncheck.sh: govulncheck failed (exit $rc)" >&2
	exit 1
fi

# The ids of the "Symbol Results" section: vulnerabilities whose symbols the code calls.
called=$(awk '/^=== Symbol Results ===/ {on = 1; next} /^=== / {on = 0} on && /^Vulnerability #/ {print $3}' "$out" | sort -u)
accepted=$(grep -v '^[[:space:]]*\(#\|$\)' "$ACCEPTED" | awk '{print $1}' | sort -u)
new=$(comm -23 <(printf '%s\n' "$called" | sed '/^$/d') <(printf '%s\n' "$accepted" | sed '/^$/d'))
gone=$(comm -13 <(printf '%s\n' "$called" | sed '/^$/d') <(printf '%s\n' "$accepted" | sed '/^$/d'))

for id in $gone; do
	echo "vulncheck.sh: $id is listed in $ACCEPTED but no longer called; remove it"
done
if [[ -n $new ]]; then
	cat "$out"
	echo
	echo "vulncheck.sh: the code calls vulnerable symbols not listed in $ACCEPTED:" $new
	echo "vulncheck.sh: upgrade the module (Fixed in above), or list the id there with the reason it waits"
	exit 1
fi
echo "govulncheck: $(printf '%s\n' "$called" | sed '/^$/d' | wc -l) called vulnerabilities, all listed in $ACCEPTED"
