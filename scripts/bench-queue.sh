#!/usr/bin/env bash
# Queue benchmark: `sluice consume redis` against `sluice load` of the same events from a file, in
# the same run, and the end-to-end latency (XADD to committed row) at a steady producer rate.
# Prints numbers; not a test.
#
# Usage: scripts/bench-queue.sh [N]            (default N=200000 pocm events)
#
# Environment:
#   BENCH_DATABASE_URL  an existing server whose user may CREATE DATABASE (default: a private cluster
#                       in .sluice-bench/, started and stopped by this script; loopback only)
#   BENCH_RATE          events/s of the latency phase's producer (default 5000)
#   BENCH_LATENCY_SECONDS  how long it produces (default 20)
#   BENCH_ROUNDS        alternating rounds of load and consume, each side keeping its best (default 3)
#   BENCH_TIMEOUT       seconds any one step may take (default 1800)
#   BENCH_KEEP=1        keep the bench databases and bench-out/ files afterwards
# Results: docs/performance.md, section "Queue consumers".
set -euo pipefail
cd "$(dirname "$0")/.."

N="${1:-200000}"
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/bench-queue.sh [N]   (N = number of events, default 200000)" >&2; exit 2; }
RATE="${BENCH_RATE:-5000}"
ROUNDS="${BENCH_ROUNDS:-3}"
[[ "$ROUNDS" =~ ^[1-9][0-9]*$ ]] || { echo "BENCH_ROUNDS must be a positive number" >&2; exit 2; }
LATENCY_SECONDS="${BENCH_LATENCY_SECONDS:-20}"
STEP_TIMEOUT="${BENCH_TIMEOUT:-1800}"
DAYS=30
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
export SLUICE_MEDICAL_KEY="${SLUICE_MEDICAL_KEY:-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')}"
export SLUICE_PII_HASH_SECRET="${SLUICE_PII_HASH_SECRET:-bench-secret}"
OUT="$PWD/bench-out"
CLUSTER_DIR="$PWD/.sluice-bench"
REDIS_DIR="$OUT/redis"
DB_FILE=sluice_bench_queue_file
DB_REDIS=sluice_bench_queue_redis
DB_LATENCY=sluice_bench_queue_latency

source scripts/bench-cluster.sh

# NDJSON lines → redis-cli --pipe protocol for `XADD stream * event <line>` (byte lengths: LC_ALL=C).
xadd_protocol() { # stream < ndjson
  LC_ALL=C awk -v stream="$1" '{ printf "*5\r\n$4\r\nXADD\r\n$%d\r\n%s\r\n$1\r\n*\r\n$5\r\nevent\r\n$%d\r\n%s\r\n", length(stream), stream, length($0), $0 }'
}

# 1. Tools and a release build.
scripts/ensure-system-packages.sh
say "building sluice (release)"
swift build -c release --product sluice >&2
bin="$(swift build -c release --show-bin-path)/sluice"
mkdir -p "$OUT"

# 2. A PostgreSQL server, a redis-server, fresh databases.
consumer_pid=""
cleanup() {
  status=$?
  [ -n "$consumer_pid" ] && kill "$consumer_pid" 2>/dev/null || true
  scripts/redis-server.sh stop "$REDIS_DIR" >/dev/null 2>&1 || true
  if [ -z "${BENCH_KEEP:-}" ] && [ -n "${ADMIN_URL:-}" ]; then
    for db in "$DB_FILE" "$DB_REDIS" "$DB_LATENCY"; do
      psql "$ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
    done
    rm -f "$OUT"/queue-events.ndjson "$OUT"/queue-events.xadd "$OUT"/queue-latency.*
  fi
  bench_stop_cluster
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

bench_start_cluster
REDIS_URL="$(scripts/redis-server.sh start "$REDIS_DIR")"
redis_port="${REDIS_URL##*:}"
rcli() { redis-cli -p "$redis_port" "$@"; }
# As in production: a login in sluice_loader, not the superuser.
psql "$ADMIN_URL" -qX -c "DO \$\$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'sluice_bench_loader') THEN CREATE ROLE sluice_bench_loader LOGIN; END IF; END \$\$" >/dev/null
login_url() { local base="${1%%\?*}"; printf '%s' "${base/\/\/*@/\/\/sluice_bench_loader@}"; }
for db in "$DB_FILE" "$DB_REDIS" "$DB_LATENCY"; do
  bench_fresh_database "$db" "$DAYS"
done
psql "$ADMIN_URL" -qX -c "GRANT sluice_loader TO sluice_bench_loader" >/dev/null
URL_FILE="$(login_url "$(bench_db_url "$DB_FILE")")"
URL_REDIS="$(login_url "$(bench_db_url "$DB_REDIS")")"
URL_LATENCY="$(login_url "$(bench_db_url "$DB_LATENCY")")"
unset DATABASE_URL

# 3. The events, and the same events as XADD commands.
say "generating $N pocm events"
bounded "$bin" generate --contract pocm --count "$N" --seed 1 --days "$DAYS" --output "$OUT/queue-events.ndjson"
bytes=$(stat -c %s "$OUT/queue-events.ndjson")
xadd_protocol events < "$OUT/queue-events.ndjson" > "$OUT/queue-events.xadd"

# 4–5. Alternating rounds on this shared machine (single runs vary by 20 % here): sluice load from
# the file into a fresh database, then the same events through a Redis stream (XADD untimed)
# consumed with --drain into another; each side keeps its best time.
IDLE_MS=200
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b < a ? b : a) }'; }
load_seconds=""
consume_seconds=""
load_rounds=""
consume_rounds=""
for round in $(seq 1 "$ROUNDS"); do
  [ "$round" = 1 ] || for db in "$DB_FILE" "$DB_REDIS"; do bench_fresh_database "$db" "$DAYS"; done
  unset DATABASE_URL
  say "round $round/$ROUNDS: timing sluice load into $DB_FILE"
  start=$(now_s)
  load_summary=$(DATABASE_URL="$URL_FILE" bounded "$bin" load --contract pocm --tenant default --json "$OUT/queue-events.ndjson")
  seconds=$(elapsed "$start" "$(now_s)")
  [ "$(json_field loaded "$load_summary")" = "$N" ] || die "sluice load: $load_summary"
  load_seconds=$(best "$load_seconds" "$seconds")
  load_rounds="$load_rounds $seconds"

  say "round $round/$ROUNDS: filling stream 'events' ($N entries), timing sluice consume redis --drain into $DB_REDIS"
  rcli DEL events >/dev/null
  rcli --pipe < "$OUT/queue-events.xadd" >/dev/null
  [ "$(rcli XLEN events)" = "$N" ] || die "the stream holds $(rcli XLEN events) entries, expected $N"
  start=$(now_s)
  consume_summary=$(DATABASE_URL="$URL_REDIS" bounded "$bin" consume redis --url "$REDIS_URL" --stream events --group bench \
    --tenant default --contract pocm --drain --idle-ms "$IDLE_MS" --json)
  consume_wall=$(elapsed "$start" "$(now_s)")
  [ "$(json_field loaded "$consume_summary")" = "$N" ] || die "sluice consume redis: $consume_summary"
  # --drain waits IDLE_MS of quiet before it exits: not part of the work.
  seconds=$(awk -v w="$consume_wall" -v i="$IDLE_MS" 'BEGIN { printf "%.3f", w - i / 1000 }')
  consume_seconds=$(best "$consume_seconds" "$seconds")
  consume_rounds="$consume_rounds $seconds"
done

# 6. Latency: a producer XADDs at RATE events/s (a chunk every 50 ms) while a consumer runs.
chunk=$(( RATE / 20 ))
[ "$chunk" -ge 1 ] || die "BENCH_RATE must be at least 20"
total=$(( RATE * LATENCY_SECONDS ))
[ "$total" -le "$N" ] || total="$N"
say "latency: producing $total events at $RATE/s into stream 'live' while a consumer runs"
head -n "$total" "$OUT/queue-events.ndjson" | xadd_protocol live | split -l $(( chunk * 11 )) - "$OUT/queue-latency.chunk."
DATABASE_URL="$URL_LATENCY" "$bin" consume redis --url "$REDIS_URL" --stream live --group bench --tenant default \
  --contract pocm --json > "$OUT/queue-latency.json" 2> "$OUT/queue-latency.err" &
consumer_pid=$!
for _ in $(seq 1 100); do rcli XINFO GROUPS live 2>/dev/null | grep -q bench && break; sleep 0.1; done
produce_start=$(now_s)
k=0
for file in "$OUT"/queue-latency.chunk.*; do
  due=$(awk -v s="$produce_start" -v k="$k" 'BEGIN { printf "%.3f", s + k * 0.05 }')
  wait_s=$(awk -v d="$due" -v n="$(now_s)" 'BEGIN { w = d - n; printf "%.3f", (w > 0 ? w : 0) }')
  sleep "$wait_s"
  rcli --pipe < "$file" >/dev/null
  k=$(( k + 1 ))
done
produce_seconds=$(elapsed "$produce_start" "$(now_s)")
# Wait until the group has everything committed and acknowledged, then stop the consumer (SIGTERM).
for _ in $(seq 1 600); do
  pending=$(rcli XPENDING live bench | head -n1)
  lag=$(rcli XINFO GROUPS live | awk 'prev == "lag" { print; exit } { prev = $0 }')
  [ "$pending" = "0" ] && [ "${lag:-0}" = "0" ] && break
  sleep 0.1
done
kill -TERM "$consumer_pid"
wait "$consumer_pid" || die "the latency consumer failed: $(tail -n 5 "$OUT/queue-latency.err")"
consumer_pid=""
latency_summary=$(cat "$OUT/queue-latency.json")
[ "$(json_field loaded "$latency_summary")" = "$total" ] || die "latency consumer: $latency_summary"

# 7. The table.
cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n1)
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
ratio=$(awk -v a="$load_seconds" -v b="$consume_seconds" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')
p99=$(sed -n 's/.*"p99":\([0-9.]*\).*/\1/p' <<<"$latency_summary")
p50=$(sed -n 's/.*"p50":\([0-9.]*\).*/\1/p' <<<"$latency_summary")
max=$(sed -n 's/.*"max":\([0-9.]*\).*/\1/p' <<<"$latency_summary")
echo
printf 'machine: %s CPUs, %s; PostgreSQL %s; redis %s\n' "$(nproc)" "$cpu" "$(psql "$ADMIN_URL" -qAtX -c "SHOW server_version")" \
  "$(rcli INFO server | sed -n 's/^redis_version:\(.*\)\r$/\1/p')"
printf 'input: %s pocm events, %s MB NDJSON\n' "$N" "$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')"
printf '%-44s %10s %12s   %s\n' "step (best of $ROUNDS alternating rounds)" "seconds" "events/s" "rounds (s)"
printf '%-44s %10s %12s  %s\n' "sluice load (file)" "$load_seconds" "$(rate "$N" "$load_seconds")" "$load_rounds"
printf '%-44s %10s %12s  %s\n' "sluice consume redis --drain (minus idle)" "$consume_seconds" "$(rate "$N" "$consume_seconds")" "$consume_rounds"
printf 'ratio consume / load events/s: %s (target >= 0.80: %s)\n' "$ratio" "$(awk -v r="$ratio" 'BEGIN { print (r >= 0.80 ? "met" : "NOT met") }')"
printf 'latency at %s events/s (%s events produced in %ss): p50 %s ms, p99 %s ms, max %s ms (target p99 <= 1000 ms: %s)\n' \
  "$RATE" "$total" "$produce_seconds" "$p50" "$p99" "$max" "$(awk -v p="$p99" 'BEGIN { print (p != "" && p <= 1000 ? "met" : "NOT met") }')"
printf 'consume summary: %s\n' "$consume_summary"
printf 'latency summary: %s\n' "$latency_summary"
