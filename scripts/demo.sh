#!/usr/bin/env bash
# `make demo`: the main job on the embedded default. Installs what is missing, builds a release
# binary (quietly), starts the local cluster (unless DATABASE_URL is set), migrates, ensures
# partitions, generates sample events for all five contracts (a few deliberately broken), loads
# them, refreshes the analytics schema, shows where the rejects went, and ends with what was
# loaded (events per contract and type, rejects per reason) and a few numbers from the aggregates.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/ensure-system-packages.sh
# The compiler's output goes to a log, shown only when the build fails.
mkdir -p .sluice
build_log=.sluice/build.log
echo "==> building sluice (release; the first build takes a few minutes; log: $build_log)"
if ! swift build -c release --product sluice >"$build_log" 2>&1; then
  tail -n 60 "$build_log" >&2
  echo "make demo: the build failed; the whole log is in $build_log" >&2
  exit 1
fi
bin="$(swift build -c release --show-bin-path)/sluice"

if [ -z "${DATABASE_URL:-}" ]; then
  SLUICE_DB_DIR="${SLUICE_DB_DIR:-$(scripts/cluster-dir.sh .sluice)}"
  export SLUICE_DB_DIR
  echo "==> starting the local PostgreSQL cluster ($SLUICE_DB_DIR)"
  DATABASE_URL="$("$bin" db start)"
  export DATABASE_URL
fi
echo "==> migrating"
"$bin" migrate
echo "==> ensuring partitions"
"$bin" partitions ensure

# Keys come from the environment only. For the demo, make throwaway ones once and keep them
# beside the local cluster (never do this with real data: use your secret store).
mkdir -p .sluice
if [ -z "${SLUICE_MEDICAL_KEY:-}" ]; then
  [ -s .sluice/demo-medical.key ] || (umask 077; od -An -tx1 -N32 /dev/urandom | tr -d ' \n' > .sluice/demo-medical.key)
  SLUICE_MEDICAL_KEY="$(cat .sluice/demo-medical.key)"
  export SLUICE_MEDICAL_KEY
fi
export SLUICE_PII_HASH_SECRET="${SLUICE_PII_HASH_SECRET:-demo-pii-secret}"

mkdir -p .sluice/demo
for contract in pocm ingestion-api growthos platform recs; do
  echo "==> generating and loading 20000 ${contract} events (every 500th line broken on purpose)"
  "$bin" generate --contract "$contract" --count 20000 --seed 7 --tenant demo --invalid-every 500 \
    --output ".sluice/demo/${contract}.ndjson"
  "$bin" load --contract "$contract" --tenant demo ".sluice/demo/${contract}.ndjson"
done

echo "==> loading the same pocm file again: the checkpoint says it is done"
"$bin" load --contract pocm --tenant demo --json .sluice/demo/pocm.ndjson
echo "==> and from the start (--restart): every event is a duplicate, nothing is loaded twice"
"$bin" load --contract pocm --tenant demo --json --restart .sluice/demo/pocm.ndjson

echo "==> refreshing the analytics schema that BI tools read (incremental: the days the loads touched)"
"$bin" refresh

echo "==> a few of the dead-lettered lines"
"$bin" rejects list --limit 5
echo "==> what the warehouse holds now"
"$bin" status --detail
echo
echo "Stop the local cluster with: SLUICE_DB_DIR=${SLUICE_DB_DIR:-.sluice} $bin db stop"
