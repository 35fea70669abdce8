#!/usr/bin/env bash
# Refresh benchmark: `sluice refresh` (incremental) against `sluice refresh --full` and against one
# GROUP BY scan of events, in the same run; then a load while a full refresh runs against the same
# load alone. Prints numbers; not a test.
#
# Usage: scripts/bench-refresh.sh [N]     (default N=1000000 pocm events, plus 25% more from the
#                                          other contracts, over DAYS=180 days)
#
# Environment:
#   BENCH_DATABASE_URL  an existing server whose user may CREATE DATABASE (default: a private cluster
#                       in .sluice-bench/, started and stopped by this script; loopback only)
#   BENCH_DAYS          days of history (default 180)
#   BENCH_LOAD_EVENTS   events of the load-during-refresh step (default 200000)
#   BENCH_LOAD_ROUNDS   rounds of that step, alone then during full refreshes (default 3; medians;
#                       0 skips the step)
#   BENCH_BASELINE      a git revision: also time the full rebuild alternately with that revision's
#                       sql/ and this checkout's, on the same warehouse (before/after a change to
#                       the refresh's SQL; BENCH_AB_ROUNDS rounds each, default 3). The baseline's
#                       analytics.refresh must return the columns this sluice reads (since cf76548)
#   BENCH_LATE_EVENTS   of the appended 1%, how many are late, scattered over the history (default 5)
#   BENCH_TIMEOUT       seconds any one step may take (default 1800)
#   BENCH_KEEP=1        keep the database and bench-out/ files afterwards
# Results: docs/performance.md, section "Refresh".
set -euo pipefail
cd "$(dirname "$0")/.."

N="${1:-1000000}"
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/bench-refresh.sh [N]   (N = number of pocm events, default 1000000)" >&2; exit 2; }
DAYS="${BENCH_DAYS:-180}"
LOAD_EVENTS="${BENCH_LOAD_EVENTS:-200000}"
LOAD_ROUNDS="${BENCH_LOAD_ROUNDS:-3}"
[[ "$LOAD_ROUNDS" =~ ^[0-9]+$ ]] || { echo "bench-refresh: BENCH_LOAD_ROUNDS must be a number of rounds (0 skips them); got '$LOAD_ROUNDS'" >&2; exit 2; }
BASELINE="${BENCH_BASELINE:-}"
AB_ROUNDS="${BENCH_AB_ROUNDS:-3}"
[[ "$AB_ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "bench-refresh: BENCH_AB_ROUNDS must be a positive number of rounds; got '$AB_ROUNDS'" >&2; exit 2; }
if [ -n "$BASELINE" ]; then
  git rev-parse --verify --quiet "$BASELINE^{commit}" >/dev/null || { echo "bench-refresh: BENCH_BASELINE '$BASELINE' is not a git revision of this checkout" >&2; exit 2; }
fi
STEP_TIMEOUT="${BENCH_TIMEOUT:-1800}"
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
export SLUICE_MEDICAL_KEY="${SLUICE_MEDICAL_KEY:-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')}"
export SLUICE_PII_HASH_SECRET="${SLUICE_PII_HASH_SECRET:-bench-secret}"
OUT="$PWD/bench-out"
CLUSTER_DIR="$PWD/.sluice-bench"
DB=sluice_bench_refresh
TENANT=bench

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
    rm -f "$OUT"/refresh-*.ndjson
  fi
  bench_stop_cluster
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_start_cluster
bench_fresh_database "$DB" "$DAYS"

# 1. The warehouse: N pocm events and N/4 more from the other contracts, over DAYS days.
other=$(( N / 16 ))
gen_load() { # contract count seed days file
  bounded "$bin" generate --contract "$1" --count "$2" --seed "$3" --days "$4" --tenant "$TENANT" --output "$5"
  local summary
  summary=$(bounded "$bin" load --contract "$1" --tenant "$TENANT" --json "$5")
  printf '%s\n' "$(json_field loaded "$summary")"
}
say "generating and loading $N pocm + 4 x $other other-contract events over $DAYS days"
total=0
total=$(( total + $(gen_load pocm "$N" 1 "$DAYS" "$OUT/refresh-pocm.ndjson") ))
seed=2
for contract in recs growthos platform ingestion-api; do
  total=$(( total + $(gen_load "$contract" "$other" "$seed" "$DAYS" "$OUT/refresh-$contract.ndjson") ))
  seed=$(( seed + 1 ))
done
rm -f "$OUT"/refresh-*.ndjson
say "loaded $total events; first full refresh"
bounded "$bin" refresh --full >/dev/null
psql "$URL" -qX -c "VACUUM ANALYZE" >/dev/null

# 2. Append 1%: recent days, and a few late events scattered over the history.
# "A few" late events: each dirties a whole day of history, which is recomputed.
append=$(( total / 100 ))
late="${BENCH_LATE_EVENTS:-5}"
say "appending $append events (1%): $(( append - late )) over the last 2 days, $late late ones over $DAYS days"
bounded "$bin" generate --contract pocm --count $(( append - late )) --seed 91 --days 2 --tenant "$TENANT" --output "$OUT/refresh-append.ndjson"
bounded "$bin" generate --contract pocm --count "$late" --seed 92 --days "$DAYS" --tenant "$TENANT" --output "$OUT/refresh-late.ndjson"
bounded "$bin" load --contract pocm --tenant "$TENANT" --json "$OUT/refresh-append.ndjson" "$OUT/refresh-late.ndjson" >/dev/null
buckets=$(psql "$URL" -qAtX -c "SELECT count(DISTINCT (tenant_id, day)) FROM refresh_dirty_buckets")

# 3. Timings, same data: incremental, then full, then the scan (best of 3).
say "timing: sluice refresh (incremental, $buckets dirty buckets)"
start=$(now_s); inc_json=$(bounded "$bin" refresh --json); inc_seconds=$(elapsed "$start" "$(now_s)")
say "timing: sluice refresh --full"
start=$(now_s); full_json=$(bounded "$bin" refresh --full --json); full_seconds=$(elapsed "$start" "$(now_s)")
say "timing: SELECT tenant_id, occurred_at::date, count(*) FROM events GROUP BY 1, 2 (best of 3)"
scan_seconds=""
for _ in 1 2 3; do
  start=$(now_s)
  psql "$URL" -qAtX -c "SELECT tenant_id, occurred_at::date, count(*) FROM events GROUP BY 1, 2" >/dev/null
  s=$(elapsed "$start" "$(now_s)")
  scan_seconds=$(awk -v a="${scan_seconds:-$s}" -v b="$s" 'BEGIN { print (b < a ? b : a) }')
done

# References for the full rebuild, not targets: reading every event's payload fields as the rebuild
# does (analytics.event_measures into a temp table, the settings sluice refresh uses), and writing
# the rows the rebuild writes to its big tables, already computed (CREATE TABLE AS copies, rolled
# back). Together they are a floor for any rebuild that writes those tables in this row store.
say "timing: references for the full rebuild (read every event's fields; write its rows)"
start=$(now_s)
psql "$URL" -qAtX -v ON_ERROR_STOP=1 -c "SET jit = off" -c "SET temp_buffers = '256MB'" -c "SET work_mem = '128MB'" \
  -c "CREATE TEMP TABLE bench_read AS SELECT f.* FROM analytics.event_measures AS f" >/dev/null
read_ref_seconds=$(elapsed "$start" "$(now_s)")
big_tables="identity_pairs alias_days identity_links user_days user_attribute_values dim_users funnel_user_days"
copy_sql="BEGIN;"; count_sql="SELECT 0"
for t in $big_tables; do
  copy_sql+=" CREATE TABLE bench_floor_$t AS SELECT * FROM analytics.$t;"
  count_sql+=" + (SELECT count(*) FROM analytics.$t)"
done
rebuild_rows=$(psql "$URL" -qAtX -v ON_ERROR_STOP=1 -c "$count_sql")
start=$(now_s)
psql "$URL" -qAtX -v ON_ERROR_STOP=1 -c "$copy_sql ROLLBACK;" >/dev/null
write_ref_seconds=$(elapsed "$start" "$(now_s)")

# 4. A load alone, then the same amount while full refreshes run back to back (default
#    --yield-to-loads), alternately, LOAD_ROUNDS times: a load's own time varies by ±20 % from run
#    to run here, so the medians are compared. Round r starts its load 1 + 10(r-1) s into the
#    refreshes, so the rounds meet different steps of a full rebuild (reads, identities, users).
refresh_loop() { # full refreshes back to back until TERM, which cancels the running one on the server
  local child=""
  trap '[ -n "$child" ] && kill -TERM "$child" 2>/dev/null; wait "$child" 2>/dev/null; exit 0' TERM
  while true; do
    "$bin" refresh --full >/dev/null 2>&1 & child=$!
    wait "$child" || exit 0
  done
}
median() { printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { printf "%.3f", (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
alone_all=(); during_all=(); rounds_text=""
for round in $(seq 1 "$LOAD_ROUNDS"); do
  delay=$(( 1 + 10 * (round - 1) ))
  say "round $round/$LOAD_ROUNDS: loading $LOAD_EVENTS events alone, then $LOAD_EVENTS more ${delay} s into back-to-back sluice refresh --full"
  bounded "$bin" generate --contract pocm --count "$LOAD_EVENTS" --seed $(( 100 + 2 * round )) --days 30 --tenant "$TENANT" --output "$OUT/refresh-load-$round-a.ndjson"
  bounded "$bin" generate --contract pocm --count "$LOAD_EVENTS" --seed $(( 101 + 2 * round )) --days 30 --tenant "$TENANT" --output "$OUT/refresh-load-$round-b.ndjson"
  a=$(json_field seconds "$(bounded "$bin" load --contract pocm --tenant "$TENANT" --json "$OUT/refresh-load-$round-a.ndjson")")
  refresh_loop & refresher=$!
  sleep "$delay"
  d=$(json_field seconds "$(bounded "$bin" load --contract pocm --tenant "$TENANT" --json "$OUT/refresh-load-$round-b.ndjson")")
  kill -TERM "$refresher" 2>/dev/null || true
  wait "$refresher" 2>/dev/null || true
  rm -f "$OUT/refresh-load-$round-a.ndjson" "$OUT/refresh-load-$round-b.ndjson"
  alone_all+=("$a"); during_all+=("$d")
  rounds_text+="$(printf '  round %s (load starts %2s s into the refreshes): alone %s s, during %s s, ratio %s' "$round" "$delay" "$a" "$d" "$(awk -v a="$a" -v b="$d" 'BEGIN { printf "%.3f", a / b }')")"$'\n'
done
alone_seconds=$(median "${alone_all[@]:-0}")
during_seconds=$(median "${during_all[@]:-0}")

# 5. Before/after (BENCH_BASELINE): the full rebuild with the baseline's sql/ and with this
#    checkout's, alternately on the same warehouse, so that the machine's drift hits both alike.
#    The files are applied with psql as the owner, in name order (what `sluice migrate` does for
#    sql/); the last round leaves this checkout's in place.
apply_sql_dir() { # directory
  local f
  for f in "$1"/*.sql; do psql "$URL" -qX -v ON_ERROR_STOP=1 -f "$f" >/dev/null; done
}
ab_text=""
if [ -n "$BASELINE" ]; then
  base_dir="$OUT/baseline-sql"
  rm -rf "$base_dir"; mkdir -p "$base_dir"
  git archive "$BASELINE" sql | tar -x -C "$base_dir"
  before_all=(); after_all=()
  for round in $(seq 1 "$AB_ROUNDS"); do
    say "before/after round $round/$AB_ROUNDS: sluice refresh --full with sql/ of $BASELINE, then of this checkout"
    apply_sql_dir "$base_dir/sql"
    start=$(now_s); bounded "$bin" refresh --full >/dev/null; b=$(elapsed "$start" "$(now_s)")
    apply_sql_dir sql
    start=$(now_s); bounded "$bin" refresh --full >/dev/null; a=$(elapsed "$start" "$(now_s)")
    before_all+=("$b"); after_all+=("$a")
    ab_text+="$(printf '  round %s: before %s s, after %s s' "$round" "$b" "$a")"$'\n'
  done
  rm -rf "$base_dir"
fi

cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n1)
pg_version=$(psql "$URL" -qAtX -c "SHOW server_version")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b > 0 ? a / b : 0) }'; }
inc_ratio=$(ratio "$inc_seconds" "$full_seconds")
scan_ratio=$(ratio "$full_seconds" "$scan_seconds")
speed_ratio=$(ratio "$alone_seconds" "$during_seconds")
echo
printf 'machine: %s CPUs, %s; PostgreSQL %s\n' "$(nproc)" "$cpu" "$pg_version"
printf 'warehouse: %s events over %s days (%s pocm), then %s appended (%s late), %s dirty buckets\n' "$total" "$DAYS" "$N" "$append" "$late" "$buckets"
printf '%-52s %10s\n' "step" "seconds"
printf '%-52s %10s\n' "sluice refresh (incremental)" "$inc_seconds"
printf '%-52s %10s\n' "sluice refresh --full" "$full_seconds"
printf '%-52s %10s\n' "GROUP BY scan of events (best of 3)" "$scan_seconds"
printf '%-52s %10s\n' "  reference: read every event's fields" "$read_ref_seconds"
printf '%-52s %10s\n' "  reference: write its $rebuild_rows rows, precomputed" "$write_ref_seconds"
if [ "$LOAD_ROUNDS" -gt 0 ]; then
  printf '%-52s %10s\n' "load $LOAD_EVENTS events alone (median of $LOAD_ROUNDS)" "$alone_seconds"
  printf '%-52s %10s\n' "load $LOAD_EVENTS events during full refreshes (median)" "$during_seconds"
fi
printf 'incremental / full: %s (target <= 0.05: %s)\n' "$inc_ratio" "$(awk -v r="$inc_ratio" 'BEGIN { print (r <= 0.05 ? "met" : "NOT met") }')"
printf 'full / scan: %s (target <= 3: %s)\n' "$scan_ratio" "$(awk -v r="$scan_ratio" 'BEGIN { print (r <= 3 ? "met" : "NOT met") }')"
printf 'full / (read + write references): %s\n' "$(awk -v f="$full_seconds" -v a="$read_ref_seconds" -v b="$write_ref_seconds" 'BEGIN { printf "%.2f", f / (a + b) }')"
if [ "$LOAD_ROUNDS" -gt 0 ]; then
  printf '%s' "$rounds_text"
  printf 'load speed during refresh / alone: %s (target >= 0.80: %s)\n' "$speed_ratio" "$(awk -v r="$speed_ratio" 'BEGIN { print (r >= 0.8 ? "met" : "NOT met") }')"
fi
if [ -n "$BASELINE" ]; then
  before_median=$(median "${before_all[@]}"); after_median=$(median "${after_all[@]}")
  printf 'full rebuild, sql/ of %s vs this checkout (median of %s alternating rounds): %s s vs %s s, after/before %s (target <= 1.10: %s)\n' \
    "$BASELINE" "$AB_ROUNDS" "$before_median" "$after_median" "$(ratio "$after_median" "$before_median")" \
    "$(awk -v a="$after_median" -v b="$before_median" 'BEGIN { print (a <= 1.10 * b ? "met" : "NOT met") }')"
  printf '%s' "$ab_text"
fi
printf 'incremental per object: %s\n' "$inc_json"
printf 'full per object: %s\n' "$full_json"
