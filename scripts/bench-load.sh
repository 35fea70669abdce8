#!/usr/bin/env bash
# Load benchmark: `sluice load` against the fastest way PostgreSQL itself can take the same rows —
# psql \copy of pre-rendered rows into `events` and `event_idempotency_keys`, as two parallel streams
# (the baseline: the loader writes both tables) and as one stream. Prints numbers; not a test.
#
# Usage: scripts/bench-load.sh [N]            (default N=200000 pocm events)
#
# Environment:
#   BENCH_DATABASE_URL  an existing server whose user may CREATE DATABASE (default: a private cluster
#                       in .sluice-bench/, started and stopped by this script; loopback only)
#   BENCH_RSS=1         also load ~1 GB (BENCH_RSS_EVENTS, default 1600000 events) into a fresh
#                       database under /usr/bin/time -v and print the loader's peak RSS
#   BENCH_DRY_RUN=1     stand in for `sluice load` with a psql INSERT…SELECT of the NDJSON (to check
#                       every other step before the loader exists; its seconds mean nothing)
#   BENCH_TIMEOUT       seconds any one step may take (default 1800)
#   BENCH_KEEP=1        keep the bench databases and bench-out/ files afterwards
# Results: docs/performance.md, section "Loader".
set -euo pipefail
cd "$(dirname "$0")/.."

N="${1:-200000}"
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/bench-load.sh [N]   (N = number of events, default 200000)" >&2; exit 2; }
DAYS=30
RSS_EVENTS="${BENCH_RSS_EVENTS:-1600000}"
STEP_TIMEOUT="${BENCH_TIMEOUT:-1800}"
# Quiet "does not exist, skipping" notices from DROP … IF EXISTS; warnings and errors still show.
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
# The pocm corpus holds medical-device and clinical events; without a key the loader (rightly)
# rejects them. A throwaway key per run: the bench measures encryption too.
export SLUICE_MEDICAL_KEY="${SLUICE_MEDICAL_KEY:-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')}"
export SLUICE_PII_HASH_SECRET="${SLUICE_PII_HASH_SECRET:-bench-secret}"
OUT="$PWD/bench-out"
CLUSTER_DIR="$PWD/.sluice-bench"
DB_A=sluice_bench_loader
DB_B=sluice_bench_psql
DB_C=sluice_bench_rss
# Same columns, same order, in the export from A and the import into B (the loader's own row).
EVENT_COLUMNS="type, occurred_at, received_at, producer, source_service, user_id, order_id, session_id, trace_id, idempotency_key, tenant_id, data_json, contract, schema_version, batch_id, flags"
KEY_COLUMNS="tenant_id, contract, idempotency_key, occurred_at, batch_id"

source scripts/bench-cluster.sh

# 1. Tools and a release build.
scripts/ensure-system-packages.sh
if [ ! -x /usr/bin/time ]; then
  say "installing time (for /usr/bin/time -v)"
  sudo=(); [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends time >/dev/null \
    || { "${sudo[@]}" apt-get update -qq && "${sudo[@]}" apt-get install -y -qq --no-install-recommends time >/dev/null; }
fi
say "building sluice (release)"
swift build -c release --product sluice >&2
bin="$(swift build -c release --show-bin-path)/sluice"
if [ -z "${BENCH_DRY_RUN:-}" ] && ! "$bin" load --help >/dev/null 2>&1; then
  die "this sluice has no \`load\` command yet (set BENCH_DRY_RUN=1 to check the other steps)"
fi
mkdir -p "$OUT"

# 2. A server and fresh databases.
cleanup() {
  status=$?
  if [ -z "${BENCH_KEEP:-}" ] && [ -n "${ADMIN_URL:-}" ]; then
    for db in "$DB_A" "$DB_B" "$DB_C"; do
      psql "$ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
    rm -f "$OUT"/events.ndjson "$OUT"/events-rss.ndjson "$OUT"/events.copy "$OUT"/keys.copy "$OUT"/time-rss.txt
  fi
  bench_stop_cluster
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_start_cluster
URL_A="$(bench_db_url "$DB_A")"; URL_B="$(bench_db_url "$DB_B")"; URL_C="$(bench_db_url "$DB_C")"
psql_a() { psql "$URL_A" -qX -v ON_ERROR_STOP=1 "$@"; }
psql_b() { psql "$URL_B" -qX -v ON_ERROR_STOP=1 "$@"; }

fresh_database() { # name url: drop, create, migrate, partitions for every month the data touches
  psql "$ADMIN_URL" -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
  DATABASE_URL="$2" "$bin" migrate >/dev/null
  DATABASE_URL="$2" "$bin" partitions ensure >/dev/null
  # occurred_at lies in [now - DAYS days, now]; one probe per day covers every month, with a day
  # of margin on each side for clock skew between this step and generation.
  psql "$2" -qX -v ON_ERROR_STOP=1 -c \
    "SELECT sluice_ensure_event_partition(day) FROM generate_series(now() - interval '$((DAYS + 1)) days', now() + interval '1 day', interval '1 day') AS day" >/dev/null
}
checkpoint() { for url in "$@"; do psql "$url" -qX -v ON_ERROR_STOP=1 -c "CHECKPOINT" >/dev/null; done; }
count_rows() { psql "$1" -qAtX -v ON_ERROR_STOP=1 -c "SELECT (SELECT count(*) FROM events) || ' ' || (SELECT count(*) FROM event_idempotency_keys)"; }

say "creating databases $DB_A (sluice) and $DB_B (psql baseline)"
fresh_database "$DB_A" "$URL_A"
# The loader runs as it does in production: a login in sluice_loader (when this version has the
# role), not the superuser. Its row-level security is bypassed through the role, as the loader's is.
LOADER_URL_A="$URL_A"
LOADER_URL_C="$URL_C"
if [ "$(psql "$ADMIN_URL" -qAtX -c "SELECT count(*) FROM pg_roles WHERE rolname = 'sluice_loader'")" = "1" ]; then
  psql "$ADMIN_URL" -qX -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sluice_bench_loader') THEN CREATE ROLE sluice_bench_loader LOGIN IN ROLE sluice_loader; END IF; END \$\$" >/dev/null
  login_url() { local base="${1%%\?*}"; printf '%s' "${base/\/\/*@/\/\/sluice_bench_loader@}"; }
  LOADER_URL_A="$(login_url "$URL_A")"
  LOADER_URL_C="$(login_url "$URL_C")"
  say "loading as sluice_bench_loader (a member of sluice_loader)"
fi
fresh_database "$DB_B" "$URL_B"

# 3. The events.
say "generating $N pocm events"
gen_start=$(now_s)
bounded "$bin" generate --contract pocm --count "$N" --seed 1 --days "$DAYS" --output "$OUT/events.ndjson"
gen_seconds=$(elapsed "$gen_start" "$(now_s)")
bytes=$(stat -c %s "$OUT/events.ndjson")
lines=$(wc -l < "$OUT/events.ndjson")
[ "$lines" -eq "$N" ] || die "generated $lines lines, expected $N"
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')
printf 'events.ndjson: %s events, %s MB, %s bytes per line on average (generated in %ss)\n' \
  "$N" "$mb" "$(awk -v b="$bytes" -v n="$N" 'BEGIN { printf "%.0f", (b - n) / n }')" "$gen_seconds"

# 4. sluice load into A.
checkpoint "$URL_A" "$URL_B"
if [ -n "${BENCH_DRY_RUN:-}" ]; then
  say "DRY RUN: filling $DB_A with psql INSERT…SELECT instead of sluice load"
  # CSV with control characters as quote and delimiter: each NDJSON line arrives as one text value.
  load_start=$(now_s)
  psql_a -c "CREATE TEMP TABLE ndjson (line jsonb)" \
    -c "\\copy ndjson FROM '$OUT/events.ndjson' WITH (FORMAT csv, QUOTE e'\\x01', DELIMITER e'\\x02')" \
    -c "INSERT INTO events ($EVENT_COLUMNS)
        SELECT line->>'type', (line->>'occurred_at')::timestamptz, now(), line->>'producer', line->>'source_service',
               line->>'user_id', line->>'order_id', line->>'session_id', line->>'trace_id', line->>'idempotency_key',
               line->>'tenant_id', line->'data', 'pocm', coalesce((line->>'schema_version')::smallint, 1), 'dry-run', '{}'
        FROM ndjson" \
    -c "INSERT INTO event_idempotency_keys ($KEY_COLUMNS)
        SELECT line->>'tenant_id', 'pocm', line->>'idempotency_key', (line->>'occurred_at')::timestamptz, 'dry-run' FROM ndjson"
  load_seconds=$(elapsed "$load_start" "$(now_s)")
  loaded=$(count_rows "$URL_A" | cut -d' ' -f1)
  summary="{\"loaded\":$loaded,\"seconds\":$load_seconds,\"dry_run\":true}"
else
  say "timing: sluice load into $DB_A"
  load_start=$(now_s)
  summary=$(DATABASE_URL="$LOADER_URL_A" bounded "$bin" load --contract pocm --tenant default --json "$OUT/events.ndjson")
  load_seconds=$(elapsed "$load_start" "$(now_s)")
  loaded=$(json_field loaded "$summary")
fi
printf 'sluice load: %s\n' "$summary"
[ "${loaded:-0}" -eq "$N" ] || die "loaded ${loaded:-?} of $N events (see the summary above; a dead-letter count means the loader rejected lines the validator accepts)"
read -r events_a keys_a <<<"$(count_rows "$URL_A")"
[ "$events_a" -eq "$N" ] && [ "$keys_a" -eq "$N" ] || die "$DB_A holds $events_a events and $keys_a keys, expected $N of each"

# 5. The same rows, pre-rendered in COPY text format.
say "exporting the loaded rows from $DB_A"
psql_a -c "\\copy (SELECT $EVENT_COLUMNS FROM events) TO '$OUT/events.copy'" \
  -c "\\copy (SELECT $KEY_COLUMNS FROM event_idempotency_keys) TO '$OUT/keys.copy'"
copy_bytes=$(( $(stat -c %s "$OUT/events.copy") + $(stat -c %s "$OUT/keys.copy") ))

# 6. psql into B: two parallel streams, then one stream.
copy_events="\\copy events ($EVENT_COLUMNS) FROM '$OUT/events.copy'"
copy_keys="\\copy event_idempotency_keys ($KEY_COLUMNS) FROM '$OUT/keys.copy'"
checkpoint "$URL_A" "$URL_B"
say "timing: psql \\copy into $DB_B, two parallel streams"
two_start=$(now_s)
bounded psql "$URL_B" -qX -v ON_ERROR_STOP=1 -c "$copy_events" & events_pid=$!
bounded psql "$URL_B" -qX -v ON_ERROR_STOP=1 -c "$copy_keys" & keys_pid=$!
wait "$events_pid" || die "psql \\copy events failed"
wait "$keys_pid" || die "psql \\copy event_idempotency_keys failed"
two_seconds=$(elapsed "$two_start" "$(now_s)")
[ "$(count_rows "$URL_B")" = "$N $N" ] || die "$DB_B does not hold $N events and $N keys after the two-stream copy"

psql_b -c "TRUNCATE events, event_idempotency_keys"
checkpoint "$URL_A" "$URL_B"
say "timing: psql \\copy into $DB_B, one stream"
one_start=$(now_s)
bounded psql "$URL_B" -qX -v ON_ERROR_STOP=1 -c "$copy_events" -c "$copy_keys"
one_seconds=$(elapsed "$one_start" "$(now_s)")
[ "$(count_rows "$URL_B")" = "$N $N" ] || die "$DB_B does not hold $N events and $N keys after the one-stream copy"

# 7. The table. MB/s always counts the NDJSON input (what a user hands the loader), so the three
# rates compare the same work.
cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n1)
pg_version=$(psql "$URL_A" -qAtX -c "SHOW server_version")
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.1f", (s > 0 ? b / 1e6 / s : 0) }'; }
ratio=$(awk -v a="$load_seconds" -v b="$two_seconds" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
verdict=$(awk -v r="$ratio" 'BEGIN { print (r <= 1.10 ? "met" : "NOT met") }')
echo
printf 'machine: %s CPUs, %s; PostgreSQL %s\n' "$(nproc)" "$cpu" "$pg_version"
printf 'input: %s pocm events, %s MB NDJSON (%s MB as COPY text)\n' "$N" "$mb" "$(awk -v b="$copy_bytes" 'BEGIN { printf "%.1f", b / 1e6 }')"
[ -n "${BENCH_DRY_RUN:-}" ] && printf 'DRY RUN: the first row is psql INSERT…SELECT, not sluice load\n'
printf '%-34s %10s %12s %8s\n' "step" "seconds" "events/s" "MB/s"
printf '%-34s %10s %12s %8s\n' "sluice load (validate+dedup+COPY)" "$load_seconds" "$(rate "$N" "$load_seconds")" "$(mbps "$load_seconds")"
printf '%-34s %10s %12s %8s\n' "psql \\copy, two parallel streams" "$two_seconds" "$(rate "$N" "$two_seconds")" "$(mbps "$two_seconds")"
printf '%-34s %10s %12s %8s\n' "psql \\copy, one stream" "$one_seconds" "$(rate "$N" "$one_seconds")" "$(mbps "$one_seconds")"
printf 'ratio sluice / two-stream psql: %s (target <= 1.10: %s)\n' "$ratio" "$verdict"

# 8. Peak memory on ~1 GB.
if [ -n "${BENCH_RSS:-}" ]; then
  say "RSS: generating $RSS_EVENTS events (~1 GB) and loading them into a fresh $DB_C"
  fresh_database "$DB_C" "$URL_C"
  bounded "$bin" generate --contract pocm --count "$RSS_EVENTS" --seed 2 --days "$DAYS" --output "$OUT/events-rss.ndjson"
  rss_bytes=$(stat -c %s "$OUT/events-rss.ndjson")
  checkpoint "$URL_C"
  if [ -n "${BENCH_DRY_RUN:-}" ]; then
    rss_cmd=("$bin" generate --count 1 --output /dev/null) # the loader's stand-in: only checks the plumbing
  else
    rss_cmd=("$bin" load --contract pocm --tenant default --json "$OUT/events-rss.ndjson")
  fi
  DATABASE_URL="$LOADER_URL_C" bounded /usr/bin/time -v -o "$OUT/time-rss.txt" "${rss_cmd[@]}"
  rss_kb=$(sed -n 's/.*Maximum resident set size (kbytes): *\([0-9]*\).*/\1/p' "$OUT/time-rss.txt")
  wall=$(sed -n 's/.*Elapsed (wall clock) time.*: \([0-9:.]*\)$/\1/p' "$OUT/time-rss.txt")
  rss_mb=$(awk -v k="${rss_kb:-0}" 'BEGIN { printf "%.0f", k / 1024 }')
  printf 'peak RSS loading %s MB (%s events): %s MB (target <= 200 MB: %s), wall %s\n' \
    "$(awk -v b="$rss_bytes" 'BEGIN { printf "%.0f", b / 1e6 }')" "$RSS_EVENTS" "$rss_mb" \
    "$(awk -v m="$rss_mb" 'BEGIN { print (m <= 200 ? "met" : "NOT met") }')" "$wall"
fi
