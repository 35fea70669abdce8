#!/usr/bin/env bash
# GDPR erasure benchmark (the erasure half of `make bench-gdpr`): one subject with S events among N,
# erased while a load runs, against the same load alone; then `sluice load` into a tenant with
# 100 000 suppression tombstones against one with none, alternately. Prints numbers; not a test.
#
# Usage: scripts/bench-gdpr-erase.sh            (N and S from the environment)
#
# Environment:
#   BENCH_EVENTS          events in the warehouse (default 2000000), recs
#   BENCH_SUBJECT_EVENTS  of them, the subject's (default 200000)
#   BENCH_LOAD_EVENTS     events of each timed load (default 200000)
#   BENCH_TOMBSTONES      tombstones of the suppression round (default 100000)
#   BENCH_ROUNDS          rounds of the suppression comparison (default 3; medians)
#   BENCH_DATABASE_URL    an existing server whose user may CREATE DATABASE (default: a private
#                         cluster in .sluice-bench/, started and stopped here; loopback only)
#   BENCH_TIMEOUT         seconds any one step may take (default 1800)
#   BENCH_KEEP=1          keep the database and bench-out/ files
# Results: docs/performance.md, section "GDPR erasure".
set -euo pipefail
cd "$(dirname "$0")/.."

N="${BENCH_EVENTS:-2000000}"
S="${BENCH_SUBJECT_EVENTS:-200000}"
LOAD_EVENTS="${BENCH_LOAD_EVENTS:-200000}"
TOMBSTONES="${BENCH_TOMBSTONES:-100000}"
ROUNDS="${BENCH_ROUNDS:-3}"
for value in "$N" "$S" "$LOAD_EVENTS" "$TOMBSTONES" "$ROUNDS"; do
  [[ "$value" =~ ^[1-9][0-9]*$ ]] || { echo "bench-gdpr-erase: counts must be positive numbers (got '$value')" >&2; exit 2; }
done
[ "$S" -lt "$N" ] || { echo "bench-gdpr-erase: BENCH_SUBJECT_EVENTS must be below BENCH_EVENTS" >&2; exit 2; }
STEP_TIMEOUT="${BENCH_TIMEOUT:-1800}"
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
export SLUICE_PII_HASH_SECRET="${SLUICE_PII_HASH_SECRET:-bench-secret}"
OUT="$PWD/bench-out"
CLUSTER_DIR="$PWD/.sluice-bench"
DB=sluice_bench_gdpr_erase
DAYS=60

source scripts/bench-cluster.sh

scripts/ensure-system-packages.sh
say "building sluice (release)"
swift build -c release --product sluice >&2
bin="$(swift build -c release --show-bin-path)/sluice"
mkdir -p "$OUT"

cleanup() {
  status=$?
  if [ -z "${BENCH_KEEP:-}" ]; then
    [ -n "${ADMIN_URL:-}" ] && psql "$ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" >/dev/null 2>&1 || true
    rm -f "$OUT"/erase-*.ndjson
  fi
  bench_stop_cluster
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_start_cluster
bench_fresh_database "$DB" "$DAYS"

# 1. The warehouse: N - S recs events of many users, S of one subject (the generator's user ids
#    rewritten), over DAYS days.
say "generating $((N - S)) recs events and $S of one subject over $DAYS days"
bounded "$bin" generate --contract recs --count $((N - S)) --seed 1 --days "$DAYS" --tenant bench --output "$OUT/erase-others.ndjson"
# (About 70 % of recs events name a user: generate more, keep S that do, so the subject has S.)
bounded "$bin" generate --contract recs --count $((S * 3 / 2 + 1000)) --seed 2 --days "$DAYS" --tenant bench --output "$OUT/erase-subject-raw.ndjson"
grep '"userId":"' "$OUT/erase-subject-raw.ndjson" | head -n "$S" | sed -E 's/"userId":"[^"]*"/"userId":"bench-subject"/' > "$OUT/erase-subject.ndjson"
rm -f "$OUT/erase-subject-raw.ndjson"
subject_lines=$(grep -c '"userId":"bench-subject"' "$OUT/erase-subject.ndjson" || true)
say "loading them ($subject_lines lines name the subject)"
bounded "$bin" load --contract recs --tenant bench "$OUT/erase-others.ndjson" "$OUT/erase-subject.ndjson" >/dev/null
rm -f "$OUT/erase-others.ndjson" "$OUT/erase-subject.ndjson"
psql "$URL" -qX -c "VACUUM ANALYZE" >/dev/null
total=$(psql "$URL" -qAtX -c "SELECT count(*) FROM events")
subject_events=$(psql "$URL" -qAtX -c "SELECT count(*) FROM events WHERE user_id = 'bench-subject'")

# 2. A load alone, then the same amount while the subject is erased (another tenant's events:
#    the erasure's deletes and the load's inserts meet in the same partitions).
bounded "$bin" generate --contract recs --count "$LOAD_EVENTS" --seed 3 --days "$DAYS" --tenant other --output "$OUT/erase-load-a.ndjson"
bounded "$bin" generate --contract recs --count "$LOAD_EVENTS" --seed 4 --days "$DAYS" --tenant other --output "$OUT/erase-load-b.ndjson"
say "timing: load of $LOAD_EVENTS events alone"
alone=$(json_field seconds "$(bounded "$bin" load --contract recs --tenant other --json "$OUT/erase-load-a.ndjson")")
say "timing: the erasure of $subject_events events, with the same load running"
start=$(now_s)
bounded "$bin" load --contract recs --tenant other --json "$OUT/erase-load-b.ndjson" > "$OUT/erase-load-b.json" &
loader=$!
sleep 1
erase_start=$(now_s)
erase_json=$(bounded "$bin" gdpr erase --tenant bench --user bench-subject --actor bench --json)
erase_seconds=$(elapsed "$erase_start" "$(now_s)")
wait "$loader"
during=$(json_field seconds "$(cat "$OUT/erase-load-b.json")")
left=$(psql "$URL" -qAtX -c "SELECT count(*) FROM events WHERE user_id = 'bench-subject'")

# 3. Tombstones: TOMBSTONES erased subjects in tenant `tomb` (hashes no event matches, as most
#    erased people send nothing again), none in `plain`; the same load into each, alternately.
say "writing $TOMBSTONES tombstones for tenant tomb"
psql "$URL" -qX -v ON_ERROR_STOP=1 -c "
  INSERT INTO suppression_tombstones (tenant_id, kind, subject_hash, erased_at, request_id)
  SELECT 'tomb', CASE WHEN g % 2 = 0 THEN 'user_id' ELSE 'anon_id' END,
         'hmac-sha256:' || encode(sha256(('bench' || g)::bytea), 'hex'), now(), 'bench'
  FROM generate_series(1, $TOMBSTONES) AS g" >/dev/null
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
plain_all=(); tomb_all=(); rounds_text=""
for round in $(seq 1 "$ROUNDS"); do
  for tenant in plain tomb; do
    bounded "$bin" generate --contract recs --count "$LOAD_EVENTS" --seed $((10 + round)) --days "$DAYS" --tenant "$tenant" --output "$OUT/erase-$tenant.ndjson"
  done
  say "round $round/$ROUNDS: $LOAD_EVENTS events into a tenant without tombstones, then into one with $TOMBSTONES"
  p=$(json_field seconds "$(bounded "$bin" load --contract recs --tenant plain --json "$OUT/erase-plain.ndjson")")
  t=$(json_field seconds "$(bounded "$bin" load --contract recs --tenant tomb --json "$OUT/erase-tomb.ndjson")")
  rm -f "$OUT/erase-plain.ndjson" "$OUT/erase-tomb.ndjson"
  plain_all+=("$p"); tomb_all+=("$t")
  rounds_text+="$(printf '  round %s: without %s s, with tombstones %s s' "$round" "$p" "$t")"$'\n'
done
plain_median=$(median "${plain_all[@]}")
tomb_median=$(median "${tomb_all[@]}")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
echo
printf 'machine: %s CPUs, %s; PostgreSQL %s\n' "$(nproc)" "$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n1)" \
  "$(psql "$URL" -qAtX -c 'SHOW server_version')"
printf 'warehouse: %s events, %s of the subject\n' "$total" "$subject_events"
printf 'erasure of the subject, a load running: %s s (target <= 30: %s); %s of its events left\n' "$erase_seconds" \
  "$(awk -v s="$erase_seconds" 'BEGIN { print (s <= 30 ? "met" : "NOT met") }')" "$left"
printf 'load of %s events alone %s s, during the erasure %s s: speed %s of alone (target >= 0.80: %s)\n' "$LOAD_EVENTS" "$alone" "$during" \
  "$(ratio "$alone" "$during")" "$(awk -v a="$alone" -v b="$during" 'BEGIN { print (a / b >= 0.8 ? "met" : "NOT met") }')"
printf 'load with %s tombstones vs without (median of %s alternating rounds): %s s vs %s s, %s (target <= 1.03: %s)\n' \
  "$TOMBSTONES" "$ROUNDS" "$tomb_median" "$plain_median" "$(ratio "$tomb_median" "$plain_median")" \
  "$(awk -v a="$tomb_median" -v b="$plain_median" 'BEGIN { print (a <= 1.03 * b ? "met" : "NOT met") }')"
printf '%s' "$rounds_text"
printf 'erasure report: %s\n' "$erase_json"
