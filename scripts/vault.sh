#!/usr/bin/env bash
# vault.sh prints the path of a HashiCorp Vault binary for development and tests, building it first
# if it is missing or older than tools/vault/go.sum.
#
#   export JUNCTION_VAULT_BIN=$(scripts/vault.sh)
#
# Only the path goes to stdout; build output goes to stderr. The binary is rebuilt when
# tools/vault/go.sum or go.mod is newer than it (a version change).
#
# Environment:
#   JUNCTION_VAULT_BIN  where the binary lives (default <repo>/.junction/bin/vault)
#
# The binary is built from the separate module in tools/vault (Vault v1.21.0, `-tags minimal`); see
# tools/vault/README.md. Vault is BUSL-1.1: the binary is for developing and testing Junction only
# and is never shipped. A cold build takes about 3.5 minutes on two cores; a rebuild with a warm
# Go build cache takes seconds.
set -euo pipefail

# Keep stdout for the path alone: fd 3 is the real stdout, everything else goes to stderr.
exec 3>&1 1>&2

REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN=${JUNCTION_VAULT_BIN:-$REPO/.junction/bin/vault}
case $BIN in /*) ;; *) BIN="$PWD/$BIN" ;; esac
PKG=github.com/hashicorp/vault
SUM=$REPO/tools/vault/go.sum
MOD=$REPO/tools/vault/go.mod

log() { printf 'vault.sh: %s\n' "$*" >&2; }

if [[ -x $BIN && ! $SUM -nt $BIN && ! $MOD -nt $BIN ]]; then
	printf '%s\n' "$BIN" >&3
	exit 0
fi

if [[ -e $BIN ]]; then
	log "rebuilding $BIN (tools/vault/go.sum or go.mod is newer)"
else
	log "building $BIN from tools/vault (a cold build takes a few minutes)"
fi
mkdir -p "$(dirname "$BIN")"
start=$SECONDS
# Build next to the target and rename, so an interrupted build never leaves a truncated binary
# that the check above would take for a good one.
tmp="$BIN.tmp.$$"
trap 'rm -f "$tmp"' EXIT
(
	cd "$REPO/tools/vault"
	CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS='-mod=readonly -buildvcs=false' \
		go build -tags minimal -trimpath -ldflags='-s -w' -o "$tmp" "$PKG"
)
mv -f "$tmp" "$BIN"
log "built $BIN in $((SECONDS - start))s"
printf '%s\n' "$BIN" >&3
