#!/usr/bin/env bash
# A throwaway PostgreSQL server on loopback for the tests and benchmarks that need a real one
# (Debian's postgresql package, which scripts/install-deps.sh installs).
#
#   scripts/postgres.sh start DIR   creates a cluster in DIR (when missing), starts it on a free
#                                   loopback port and writes its connection URL to DIR/url
#   scripts/postgres.sh stop DIR    stops it and removes the cluster (DIR is the caller's)
#
# Durability as shipped (fsync on, synchronous_commit on). Run as root, the server runs as the
# `postgres` user, since PostgreSQL refuses to run as root; its cluster then lives in a directory
# of its own under /tmp (DIR may sit where that user cannot reach), named in DIR/cluster.
set -euo pipefail

action=${1:?usage: postgres.sh start|stop DIR}
dir=${2:?usage: postgres.sh start|stop DIR}
bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
if [ -z "$bin" ]; then
  echo "postgres.sh: PostgreSQL is not installed (scripts/install-deps.sh installs it)" >&2
  exit 1
fi

as_owner=()
if [ "$(id -u)" -eq 0 ]; then as_owner=(runuser -u postgres --); fi

case $action in
  start)
    mkdir -p "$dir"
    if [ "$(id -u)" -eq 0 ]; then
      cluster=$(mktemp -d "${TMPDIR:-/tmp}/herald-postgres.XXXXXX")
      chmod 755 "$cluster"
      chown postgres "$cluster"
    else
      cluster=$(cd "$dir" && pwd)
    fi
    echo "$cluster" >"$dir/cluster"
    "${as_owner[@]}" "$bin/initdb" -D "$cluster/data" -U herald --auth=trust -E UTF8 \
      --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "${as_owner[@]}" "$bin/pg_ctl" -D "$cluster/data" -l "$cluster/server.log" -w -t 60 \
      -o "-h 127.0.0.1 -p $port -k $cluster -c max_connections=100" start >/dev/null ||
      { cat "$cluster/server.log" >&2; exit 1; }
    "${as_owner[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U herald herald
    echo "postgresql://herald@127.0.0.1:$port/herald" >"$dir/url"
    cat "$dir/url"
    ;;
  stop)
    [ -f "$dir/cluster" ] || exit 0
    cluster=$(cat "$dir/cluster")
    if [ -f "$cluster/data/postmaster.pid" ]; then
      "${as_owner[@]}" "$bin/pg_ctl" -D "$cluster/data" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$cluster/data" "$cluster/server.log"
    if [ "$cluster" != "$(cd "$dir" && pwd)" ]; then rmdir "$cluster" 2>/dev/null || true; fi
    rm -f "$dir/url" "$dir/cluster" "$dir/initdb.log"
    ;;
  *)
    echo "usage: postgres.sh start|stop DIR" >&2
    exit 2
    ;;
esac
