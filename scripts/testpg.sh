#!/usr/bin/env bash
# testpg.sh ensures a throwaway local PostgreSQL server for tests and prints its connection URL.
#
#   export JUNCTION_TEST_POSTGRES_URL=$(scripts/testpg.sh)
#
# Only the URL goes to stdout; everything else goes to stderr. Running it again reuses the cluster
# (and starts it if it is stopped), so it is safe to call before every test run.
#
# Environment:
#   JUNCTION_TEST_PG_DIR   data directory of the cluster (default /tmp/junction-testpg)
#   JUNCTION_TEST_PG_PORT  TCP port on 127.0.0.1 (default 55432)
#
# If the PostgreSQL server binaries are missing it installs them with apt-get (root only). It never
# uses the distribution's own cluster or systemd: the cluster lives in its own data directory, is
# owned by the postgres OS user, listens only on 127.0.0.1 and trusts every loopback connection.
# That is fine for a test database and nothing else.
set -euo pipefail

# Keep stdout for the URL alone: fd 3 is the real stdout, everything else goes to stderr.
exec 3>&1 1>&2

DIR=${JUNCTION_TEST_PG_DIR:-/tmp/junction-testpg}
PORT=${JUNCTION_TEST_PG_PORT:-55432}
HOST=127.0.0.1

log() { printf 'testpg: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

case $PORT in '' | *[!0-9]*) die "JUNCTION_TEST_PG_PORT must be a number, got '$PORT'" ;; esac
case $DIR in /*) ;; *) DIR="$PWD/$DIR" ;; esac
# initdb and the server run as another user, which may not be able to read the caller's directory.
cd /

# find_bindir prints the bin directory of the highest installed PostgreSQL major version, or nothing.
find_bindir() {
	local initdb
	initdb=$(ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1)
	[[ -n $initdb ]] && dirname "$initdb"
	return 0
}

BIN=$(find_bindir)
if [[ -z $BIN ]]; then
	[[ $(id -u) -eq 0 ]] || die "PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin and not root: install the 'postgresql' package"
	log "installing PostgreSQL with apt-get"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -q
	apt-get install -y -q postgresql
	BIN=$(find_bindir)
	[[ -n $BIN ]] || die "apt-get installed postgresql but no server binaries were found under /usr/lib/postgresql/*/bin"
fi
log "using $BIN"

# as runs a command as the cluster owner: the postgres OS user when we are root (initdb and the
# server refuse to run as root), otherwise the current user.
if [[ $(id -u) -eq 0 ]]; then
	if ! id postgres >/dev/null 2>&1; then
		log "creating OS user postgres"
		useradd --system --no-create-home --home-dir "$DIR" --shell /bin/sh postgres
	fi
	OWNER=postgres
	as() { runuser -u postgres -- "$@"; }
else
	OWNER=$(id -un)
	as() { "$@"; }
fi

# Serialise concurrent runs (parallel CI jobs) on the same data directory.
mkdir -p "$(dirname "$DIR")"
exec 9>"$DIR.lock"
flock -w 120 9 || die "timed out waiting for lock $DIR.lock"

if [[ ! -f $DIR/PG_VERSION ]]; then
	if [[ -d $DIR ]] && [[ -n $(ls -A "$DIR") ]]; then
		die "$DIR exists, is not empty and is not a PostgreSQL data directory"
	fi
	log "creating cluster in $DIR"
	mkdir -p "$DIR"
	chown "$OWNER" "$DIR"
	chmod 700 "$DIR"
	as "$BIN/initdb" --pgdata="$DIR" --username=postgres --auth=trust \
		--encoding=UTF8 --locale=C.UTF-8 >&2
	# Settings that may change between runs live in junction.conf, rewritten below.
	echo "include_if_exists = 'junction.conf'" | as tee -a "$DIR/postgresql.conf" >/dev/null
fi

# Loopback TCP only, no Unix socket (so no dependency on /var/run/postgresql), fsync off because
# the data is disposable.
as tee "$DIR/junction.conf" >/dev/null <<CONF
listen_addresses = '$HOST'
port = $PORT
unix_socket_directories = ''
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF

# The server must not inherit fd 3 (it would hold the caller's $(...) open forever) or fd 9 (it would
# hold the lock), hence the 3>&- 9>&- on pg_ctl.
ready() { "$BIN/pg_isready" --host="$HOST" --port="$PORT" --dbname=postgres --username=postgres --quiet; }

if as "$BIN/pg_ctl" status --pgdata="$DIR" >/dev/null 2>&1; then
	if ready; then
		log "server already running on $HOST:$PORT"
	else
		log "server running but not answering on $HOST:$PORT; restarting with the current settings"
		as "$BIN/pg_ctl" restart --pgdata="$DIR" --log="$DIR/server.log" --wait --timeout=60 --silent >&2 3>&- 9>&- ||
			die "restart failed; see $DIR/server.log"
	fi
else
	if ready; then
		die "another PostgreSQL server is already listening on $HOST:$PORT; set JUNCTION_TEST_PG_PORT"
	fi
	log "starting server on $HOST:$PORT (log: $DIR/server.log)"
	as "$BIN/pg_ctl" start --pgdata="$DIR" --log="$DIR/server.log" --wait --timeout=60 --silent >&2 3>&- 9>&- ||
		die "start failed; see $DIR/server.log"
fi

for _ in $(seq 1 60); do
	ready && break
	sleep 0.5
done
ready || die "server did not become ready on $HOST:$PORT; see $DIR/server.log"

printf 'postgres://postgres@%s:%s/postgres?sslmode=disable\n' "$HOST" "$PORT" >&3
