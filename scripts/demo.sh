#!/usr/bin/env bash
# `make demo`: the main job on the embedded default. Installs what is missing, builds a release
# binary, starts the local cluster (unless DATABASE_URL is set), migrates, ensures partitions and
# prints the status.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-system-packages.sh
echo "==> building sluice (release)"
swift build -c release --product sluice
bin="$(swift build -c release --show-bin-path)/sluice"

if [ -z "${DATABASE_URL:-}" ]; then
  echo "==> starting the local PostgreSQL cluster (.sluice/)"
  DATABASE_URL="$("$bin" db start)"
  export DATABASE_URL
fi
echo "==> migrating"
"$bin" migrate
echo "==> ensuring partitions"
"$bin" partitions ensure
echo "==> status"
"$bin" status
echo
echo "Stop the local cluster with: $bin db stop"
