#!/usr/bin/env bash
# GDPR benchmark (`make bench-gdpr`): the export of one subject with S events among N, under
# /usr/bin/time -v (peak RSS, events/s); then the erasure half, scripts/bench-gdpr-erase.sh
# (erasure time, a load's speed during it, a load with 100 000 tombstones). Prints numbers; not a test.
#
# Environment (as scripts/bench-gdpr-erase.sh, which reads the same):
#   BENCH_EVENTS          events in the warehouse (default 2000000), recs
#   BENCH_SUBJECT_EVENTS  of them, the subject's (default 200000)
#   BENCH_DATABASE_URL    an existing server whose user may CREATE DATABASE (default: a private
#                         cluster in .sluice-bench/, started and stopped here; loopback only)
#   BENCH_TIMEOUT         seconds any one step may take (default 1800)
#   BENCH_SKIP_ERASE=1    only the export half
#   BENCH_KEEP=1          keep the database and bench-out/ files
# Targets: export peak RSS <= 100 MB and >= 50 000 events/s. Results: docs/performance.md.
set -euo pipefail
cd "$(dirname "$0")/.."

N="${BENCH_EVENTS:-2000000}"
S="${BENCH_SUBJECT_EVENTS:-200000}"
for value in "$N" "$S"; do
  [[ "$value" =~ ^[1-9][0-9]*$ ]] || { echo "bench-gdpr: counts must be positive numbers (got '$value')" >&2; exit 2; }
done
[ "$S" -lt "$N" ] || { echo "bench-gdpr: BENCH_SUBJECT_EVENTS must be below BENCH_EVENTS" >&2; exit 2; }
STEP_TIMEOUT="${BENCH_TIMEOUT:-1800}"
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
export SLUICE_PII_HASH_SECRET="${SLUICE_PII_HASH_SECRET:-bench-secret}"
OUT="$PWD/bench-out"
CLUSTER_DIR="$PWD/.sluice-bench"
DB=sluice_bench_gdpr_export
DAYS=60

source scripts/bench-cluster.sh

scripts/ensure-system-packages.sh
[ -x /usr/bin/time ] || die "needs GNU time at /usr/bin/time (apt-get install time)"
say "building sluice (release)"
swift build -c release --product sluice >&2
bin="$(swift build -c release --show-bin-path)/sluice"
mkdir -p "$OUT"

cleanup() {
  status=$?
  if [ -z "${BENCH_KEEP:-}" ]; then
    [ -n "${ADMIN_URL:-}" ] && psql "$ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -rf "$OUT"/export-*.ndjson "$OUT/gdpr-export"
  fi
  bench_stop_cluster
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_start_cluster
bench_fresh_database "$DB" "$DAYS"

# The warehouse: N - S recs events of many users, S of one subject (the generator's user ids
# rewritten), over DAYS days: the subject's events are spread over every partition.
say "generating $((N - S)) recs events and $S of one subject over $DAYS days"
bounded "$bin" generate --contract recs --count $((N - S)) --seed 1 --days "$DAYS" --tenant bench --output "$OUT/export-others.ndjson"
bounded "$bin" generate --contract recs --count "$S" --seed 2 --days "$DAYS" --tenant bench --output "$OUT/export-subject-raw.ndjson"
sed -E 's/"userId":"[^"]*"/"userId":"bench-subject"/' "$OUT/export-subject-raw.ndjson" > "$OUT/export-subject.ndjson"
rm -f "$OUT/export-subject-raw.ndjson"
say "loading them"
bounded "$bin" load --contract recs --tenant bench "$OUT/export-others.ndjson" "$OUT/export-subject.ndjson" >/dev/null
rm -f "$OUT/export-others.ndjson" "$OUT/export-subject.ndjson"
psql "$URL" -qX -c "VACUUM ANALYZE" >/dev/null
total=$(psql "$URL" -qAtX -c "SELECT count(*) FROM events")

say "timing: the export of the subject, under /usr/bin/time -v"
rm -rf "$OUT/gdpr-export"
start=$(now_s)
DATABASE_URL="$URL" bounded /usr/bin/time -v -o "$OUT/export-time.txt" \
  "$bin" gdpr export --tenant bench --user bench-subject --out "$OUT/gdpr-export" --actor bench --json > "$OUT/export.json"
seconds=$(elapsed "$start" "$(now_s)")
events=$(grep -o '"name":"events.ndjson.gz","rows":[0-9]*' "$OUT/export.json" | sed 's/.*"rows"://')
[ -n "$events" ] || die "the export printed no events count: $(cat "$OUT/export.json")"
rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): *//p' "$OUT/export-time.txt")
rate=$(awk -v n="$events" -v s="$seconds" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
rss_mb=$(awk -v k="$rss_kb" 'BEGIN { printf "%.1f", k / 1024 }')

echo
printf 'machine: %s CPUs, %s; PostgreSQL %s\n' "$(nproc)" "$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n1)" \
  "$(psql "$URL" -qAtX -c 'SHOW server_version')"
printf 'warehouse: %s events; the subject exported %s of them in %s s: %s events/s (target >= 50000: %s)\n' "$total" "$events" "$seconds" "$rate" \
  "$(awk -v r="$rate" 'BEGIN { print (r >= 50000 ? "met" : "NOT met") }')"
printf 'export peak RSS: %s MB (target <= 100: %s)\n' "$rss_mb" "$(awk -v m="$rss_mb" 'BEGIN { print (m <= 100 ? "met" : "NOT met") }')"
printf 'export files: %s\n' "$(du -sh "$OUT/gdpr-export" | cut -f1)"

if [ -z "${BENCH_SKIP_ERASE:-}" ]; then
  # The erasure half runs on a cluster of its own making: stop this one first.
  psql "$ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
  bench_stop_cluster
  bench_started_cluster=""
  ADMIN_URL=""
  echo
  say "the erasure half: scripts/bench-gdpr-erase.sh"
  scripts/bench-gdpr-erase.sh
fi
