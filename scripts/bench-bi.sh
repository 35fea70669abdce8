#!/usr/bin/env bash
# BI benchmark: a dashboard's queries as a BI login (row-level security filters by its tenant) vs
# as the owner (the same tenant named in the WHERE clause), same data, same run. Prints numbers;
# not a test.
#
# Usage: scripts/bench-bi.sh [N]    (default N=200000 pocm events per tenant, 3 tenants, 90 days)
#
# Environment: BENCH_DATABASE_URL, BENCH_TIMEOUT, BENCH_KEEP=1, BENCH_SECONDS (pgbench duration
# per side and round, default 10).
# Results: docs/performance.md, section "Tenant isolation".
set -euo pipefail
cd "$(dirname "$0")/.."

N="${1:-200000}"
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "usage: scripts/bench-bi.sh [N]" >&2; exit 2; }
STEP_TIMEOUT="${BENCH_TIMEOUT:-1800}"
SECONDS_PER_RUN="${BENCH_SECONDS:-10}"
export PGOPTIONS="${PGOPTIONS:-} -c client_min_messages=warning"
export SLUICE_MEDICAL_KEY="${SLUICE_MEDICAL_KEY:-$(od -An -tx1 -N32 /dev/urandom | tr -d ' \n')}"
export SLUICE_PII_HASH_SECRET="${SLUICE_PII_HASH_SECRET:-bench-secret}"
OUT="$PWD/bench-out"
CLUSTER_DIR="$PWD/.sluice-bench"
DB=sluice_bench_bi
LOGIN=bench_bi_reader

source scripts/bench-cluster.sh

scripts/ensure-system-packages.sh
say "building sluice (release)"
swift build -c release --product sluice >&2
bin="$(swift build -c release --show-bin-path)/sluice"
pgbench="$(ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | sort -V | tail -n1)"
[ -x "$pgbench" ] || { echo "bench-bi: pgbench not found (apt-get install postgresql)" >&2; exit 1; }
mkdir -p "$OUT"

cleanup() {
  status=$?
  if [ -z "${BENCH_KEEP:-}" ] && [ -n "${ADMIN_URL:-}" ]; then
    psql "$ADMIN_URL" -qX -c "DROP DATABASE IF EXISTS $DB WITH (FORCE)" -c "DROP ROLE IF EXISTS $LOGIN" >/dev/null 2>&1 || true
    rm -f "$OUT"/bi-*.ndjson "$OUT"/bi-*.sql "$OUT"/bi-password
  fi
  bench_stop_cluster
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
bench_start_cluster
bench_fresh_database "$DB" 90

say "loading $N pocm events for each of 3 tenants, refreshing"
for tenant in acme globex initech; do
  bounded "$bin" generate --contract pocm --count "$N" --seed "$(( ${#tenant} * 7 ))" --days 90 --tenant "$tenant" --output "$OUT/bi-$tenant.ndjson"
  bounded "$bin" load --contract pocm --tenant "$tenant" --json "$OUT/bi-$tenant.ndjson" >/dev/null
done
bounded "$bin" refresh >/dev/null
psql "$URL" -qX -c "VACUUM ANALYZE" >/dev/null
printf 'bench-bi-password-%s\n' "$RANDOM$RANDOM" > "$OUT/bi-password"
"$bin" bi grant --tenant acme --login "$LOGIN" --password-file "$OUT/bi-password" --statement-timeout 5min >/dev/null

# The dashboard: DAU and revenue of the last 30 days, the funnel, top stock-outs.
dashboard() { # tenant filter (empty for the BI login: row-level security does it)
  local filter="$1"
  cat <<SQL
SELECT day, value FROM analytics.kpi_daily WHERE metric = 'active_users' AND day > current_date - 30 $filter ORDER BY day;
SELECT day, sum(value) FROM analytics.kpi_daily WHERE metric LIKE 'revenue_captured:%' AND day > current_date - 30 $filter GROUP BY day ORDER BY day;
SELECT step, sum(count) FROM analytics.funnel_step WHERE day > current_date - 30 $filter GROUP BY step;
SELECT product_id, sum(stockouts) FROM analytics.inventory_daily WHERE day > current_date - 30 $filter GROUP BY product_id ORDER BY 2 DESC LIMIT 10;
SELECT count(*) FROM analytics.dim_users WHERE first_seen_at > now() - interval '30 days' $filter;
SQL
}
dashboard "" > "$OUT/bi-as-login.sql"
dashboard "AND tenant_id = 'acme'" > "$OUT/bi-as-owner.sql"

base="${URL%%\?*}"
login_url="${base/\/\/*@/\/\/$LOGIN@}"
tps() { # url script
  PGPASSWORD="$(cat "$OUT/bi-password")" bounded "$pgbench" -n -c 2 -j 2 -T "$SECONDS_PER_RUN" -f "$2" "$1" 2>/dev/null \
    | sed -n 's/^tps = \([0-9.]*\).*/\1/p' | head -n1
}
say "timing the dashboard: pgbench, 2 clients, ${SECONDS_PER_RUN}s per side, 3 alternating rounds"
best_login=0; best_owner=0
for round in 1 2 3; do
  t_login=$(tps "$login_url" "$OUT/bi-as-login.sql"); t_owner=$(tps "$URL" "$OUT/bi-as-owner.sql")
  printf 'round %s: BI login %s tps, owner %s tps\n' "$round" "$t_login" "$t_owner"
  best_login=$(awk -v a="$best_login" -v b="$t_login" 'BEGIN { print (b > a ? b : a) }')
  best_owner=$(awk -v a="$best_owner" -v b="$t_owner" 'BEGIN { print (b > a ? b : a) }')
done
slower=$(awk -v l="$best_login" -v o="$best_owner" 'BEGIN { printf "%.1f", (o > 0 ? (o / l - 1) * 100 : 0) }')
cpu=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo | head -n1)
echo
printf 'machine: %s CPUs, %s; PostgreSQL %s\n' "$(nproc)" "$cpu" "$(psql "$URL" -qAtX -c 'SHOW server_version')"
printf 'data: 3 tenants x %s pocm events over 90 days; dashboard = 5 queries for tenant acme\n' "$N"
printf 'best of 3: BI login %s dashboards/s, owner %s dashboards/s; the BI login is %s%% slower (target <= 10%%: %s)\n' \
  "$best_login" "$best_owner" "$slower" "$(awk -v s="$slower" 'BEGIN { print (s <= 10 ? "met" : "NOT met") }')"
