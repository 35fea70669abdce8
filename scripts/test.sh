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
redis_dir=""
cleanup() {
  if [ -n "$started_db" ]; then "$bin" db stop >/dev/null || true; fi
  if [ -n "$redis_dir" ]; then scripts/redis-server.sh stop "$redis_dir" || true; fi
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

# A throwaway redis-server (unless SLUICE_TEST_REDIS_URL names one: the queue tests use their own
# stream names).
if [ -z "${SLUICE_TEST_REDIS_URL:-}" ]; then
  redis_dir="$(mktemp -d /tmp/sluice-test-redis.XXXXXX)"
  SLUICE_TEST_REDIS_URL="$(scripts/redis-server.sh start "$redis_dir")"
  export SLUICE_TEST_REDIS_URL
fi
# The tests' own databases come from SLUICE_TEST_DATABASE_URL; keep the user's out of reach.
unset DATABASE_URL PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGSERVICE

swift test --skip-build "$@"
