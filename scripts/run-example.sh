#!/usr/bin/env bash
# Proves the SDK's CMake package the way an outside project meets it: installs the build tree,
# builds examples/orders against the install with find_package(herald), and runs its two programs
# embedded (fresh data directories) and against a fresh `herald serve` (orders over Kafka,
# orders-es over HTTP with a PostgreSQL read model beside the SQLite one).
# Fails when any step or either run fails.
#
# Usage: scripts/run-example.sh [BUILD_DIR]     (default: build; `make example` and the
# ExampleOrders ctest call it after the build, so it never builds Herald itself)
# Leaves BUILD_DIR/install (the package) and BUILD_DIR/example (the example's build).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
prefix=$build/install
example_build=$build/example
herald=$build/herald
jobs=$(nproc)

step() { printf '\n== %s\n' "$*"; }

work=$(mktemp -d "${TMPDIR:-/tmp}/herald-example.XXXXXX")
server_pid=
postgres_dir=
cleanup() {
  if [ -n "$postgres_dir" ]; then bash "$root/scripts/postgres.sh" stop "$postgres_dir" || true; fi
  if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
    step "run orders-es against herald serve (HTTP event store, SQLite and PostgreSQL read models)"
if ! "$example_build/orders-es" --url "http://127.0.0.1:$http_port" --sqlite "$work/es-served.db" \
    --postgres "$postgres_url"; then
  echo "run-example: the event-sourced run against herald serve failed; the server's log:" >&2
  tail -n 30 "$work/serve.log" >&2
  status=1
fi
kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

step "install the build tree into $prefix"
cmake --install "$build" --prefix "$prefix" >"$work/install.log" || {
  cat "$work/install.log"; exit 1; }
test -f "$prefix/lib/cmake/herald/heraldConfig.cmake"

step "build examples/orders against it (find_package(herald), herald::sdk)"
# Warnings are errors here, as in Herald's own targets; designated initializers that leave out
# members with defaults are how the SDK's option structs are written, so that one warning is off.
cmake -S "$root/examples/orders" -B "$example_build" -G Ninja -DCMAKE_BUILD_TYPE=Release \
  -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_CXX_FLAGS="-Wall -Wextra -Wpedantic -Werror -Wno-missing-field-initializers" \
  >"$work/configure.log" || { cat "$work/configure.log"; exit 1; }
cmake --build "$example_build" -j "$jobs"
orders=$example_build/orders

status=0

step "run embedded (data in a fresh directory)"
if ! "$orders" --embedded "$work/embedded" 2>"$work/embedded.log"; then
  echo "run-example: the embedded run failed; its log:" >&2
  tail -n 50 "$work/embedded.log" >&2
  status=1
fi

step "run orders-es embedded (event store in the process, SQLite read model)"
if ! "$example_build/orders-es" --embedded "$work/es-embedded" --sqlite "$work/es-embedded.db"; then
  echo "run-example: the event-sourced embedded run failed" >&2
  status=1
fi

step "start PostgreSQL for the PostgreSQL read model (scripts/postgres.sh)"
postgres_dir=$work/postgres
postgres_url=$(bash "$root/scripts/postgres.sh" start "$postgres_dir")

step "run against herald serve (Kafka protocol)"
# Free loopback ports, both picked while both are held so they differ.
read -r kafka_port http_port < <(python3 -c '
import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')
"$herald" serve --data-dir "$work/served" --kafka-addr "127.0.0.1:$kafka_port" \
  --http-addr "127.0.0.1:$http_port" --group-initial-rebalance-delay-ms 0 \
  >"$work/serve.log" 2>&1 &
server_pid=$!
for _ in $(seq 300); do  # up to 30 s
  if ! kill -0 "$server_pid" 2>/dev/null; then break; fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$kafka_port") 2>/dev/null; then break; fi
  sleep 0.1
done
if ! (exec 3<>"/dev/tcp/127.0.0.1/$kafka_port") 2>/dev/null; then
  echo "run-example: herald serve did not listen on 127.0.0.1:$kafka_port; its log:" >&2
  tail -n 50 "$work/serve.log" >&2
  exit 1
fi
if ! "$orders" --bootstrap "127.0.0.1:$kafka_port" 2>"$work/kafka.log"; then
  echo "run-example: the run against herald serve failed; its log and the server's:" >&2
  tail -n 50 "$work/kafka.log" >&2
  tail -n 30 "$work/serve.log" >&2
  status=1
fi
step "run orders-es against herald serve (HTTP event store, SQLite and PostgreSQL read models)"
if ! "$example_build/orders-es" --url "http://127.0.0.1:$http_port" --sqlite "$work/es-served.db" \
    --postgres "$postgres_url"; then
  echo "run-example: the event-sourced run against herald serve failed; the server's log:" >&2
  tail -n 30 "$work/serve.log" >&2
  status=1
fi
kill -TERM "$server_pid"
if ! wait "$server_pid"; then
  echo "run-example: herald serve did not exit cleanly on SIGTERM; its log:" >&2
  tail -n 30 "$work/serve.log" >&2
  status=1
fi
server_pid=

if [ "$status" -ne 0 ]; then
  echo "run-example: FAILED" >&2
  exit "$status"
fi
printf '\nrun-example: every run passed\n'
