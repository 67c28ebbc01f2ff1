#!/usr/bin/env bash
# A throw-away PostgreSQL 15 for tests: initialised in a temporary directory,
# listening only on a private Unix socket and a loopback port, never the
# system cluster.
#
#   scripts/pg-test-server.sh start DIR PORT   prints the database URL on stdout
#   scripts/pg-test-server.sh stop DIR
#
# As root the server runs as the 'postgres' user (PostgreSQL refuses root).
set -euo pipefail

cmd=${1:?start|stop}
dir=${2:?directory}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
[ -x "$bin/initdb" ] || { echo "pg-test-server: PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
  port=${3:?port}
  mkdir -p "$dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$dir"
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    as_pg "$bin/initdb" -D "$dir/data" -U egov --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
      { cat "$dir/initdb.log" >&2; exit 1; }
  fi
  as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
    -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=200" start >/dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }
  as_pg "$bin/psql" -h "$dir" -p "$port" -U egov -d postgres -qAt \
    -c "SELECT 1 FROM pg_database WHERE datname = 'egov'" | grep -q 1 ||
    as_pg "$bin/createdb" -h "$dir" -p "$port" -U egov egov
  echo "postgres://egov@127.0.0.1:$port/egov"
  ;;
stop)
  [ -f "$dir/data/postmaster.pid" ] && as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null || true
  ;;
*)
  echo "usage: $0 start DIR PORT | stop DIR" >&2
  exit 2
  ;;
esac
