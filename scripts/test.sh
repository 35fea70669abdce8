#!/usr/bin/env bash
# `make test`: install what is missing, build, start a throwaway PostgreSQL cluster (unless
# SLUICE_TEST_DATABASE_URL names one whose user may CREATE DATABASE) and a throwaway redis-server
# (unless SLUICE_TEST_REDIS_URL names one), run every test against them, and stop what this script
# started, also when tests fail.
# Extra arguments go to `swift test`, e.g. scripts/test.sh --filter MigratorTests
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-system-packages.sh
swift build --build-tests
bin="$(swift build --show-bin-path)/sluice"
export SLUICE_BIN="$bin"

started_db=""
redis_pid_file=""
cleanup() {
  [ -n "$started_db" ] && { "$bin" db stop >/dev/null || true; }
  if [ -n "$redis_pid_file" ] && [ -s "$redis_pid_file" ]; then kill "$(cat "$redis_pid_file")" 2>/dev/null || true; fi
  [ -n "$redis_pid_file" ] && rm -rf "$(dirname "$redis_pid_file")"
}
trap cleanup EXIT

if [ -z "${SLUICE_TEST_DATABASE_URL:-}" ]; then
  SLUICE_DB_DIR="${SLUICE_TEST_DB_DIR:-$(scripts/cluster-dir.sh .sluice-test)}"
  export SLUICE_DB_DIR
  started_db=1
  "$bin" db start >/dev/null
  SLUICE_TEST_DATABASE_URL="$("$bin" db url --admin)"
  export SLUICE_TEST_DATABASE_URL
fi

# A throwaway redis-server on a free loopback port, no persistence (unless SLUICE_TEST_REDIS_URL
# names one: the queue tests use their own stream names).
if [ -z "${SLUICE_TEST_REDIS_URL:-}" ]; then
  redis_dir="$(mktemp -d /tmp/sluice-test-redis.XXXXXX)"
  redis_pid_file="$redis_dir/redis.pid"
  redis_port=""
  for _ in $(seq 1 10); do
    port=$((20000 + RANDOM % 40000))
    # Skip a port something already listens on (it could answer our ping).
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$redis_dir" \
      --daemonize yes --pidfile "$redis_pid_file" --logfile "$redis_dir/redis.log" >/dev/null || continue
    for _ in $(seq 1 30); do
      if redis-cli -p "$port" ping >/dev/null 2>&1; then redis_port="$port"; break; fi
      sleep 0.1
    done
    [ -n "$redis_port" ] && break
  done
  [ -n "$redis_port" ] || { echo "could not start redis-server (see $redis_dir/redis.log)" >&2; exit 1; }
  export SLUICE_TEST_REDIS_URL="redis://127.0.0.1:$redis_port"
fi
# The tests' own databases come from SLUICE_TEST_DATABASE_URL; keep the user's out of reach.
unset DATABASE_URL PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGSERVICE

swift test --skip-build "$@"
