#!/usr/bin/env bash
# `make test`: install what is missing, build, start a throwaway PostgreSQL cluster (unless
# SLUICE_TEST_DATABASE_URL names one whose user may CREATE DATABASE), run every test against it,
# and stop the cluster this script started, also when tests fail.
# Extra arguments go to `swift test`, e.g. scripts/test.sh --filter MigratorTests
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-system-packages.sh
swift build --build-tests
bin="$(swift build --show-bin-path)/sluice"
export SLUICE_BIN="$bin"

if [ -z "${SLUICE_TEST_DATABASE_URL:-}" ]; then
  SLUICE_DB_DIR="${SLUICE_TEST_DB_DIR:-$(scripts/cluster-dir.sh .sluice-test)}"
  export SLUICE_DB_DIR
  trap '"$bin" db stop >/dev/null || true' EXIT
  "$bin" db start >/dev/null
  SLUICE_TEST_DATABASE_URL="$("$bin" db url --admin)"
  export SLUICE_TEST_DATABASE_URL
fi
# The tests' own databases come from SLUICE_TEST_DATABASE_URL; keep the user's out of reach.
unset DATABASE_URL PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGSERVICE

swift test --skip-build "$@"
