# Sourced by the bench-*.sh scripts (from the repository root): their shared helpers, a server to
# measure on, and its clean-up.
#
# bench_start_cluster needs $bin (the sluice binary) and $CLUSTER_DIR; sets ADMIN_URL.
# BENCH_DATABASE_URL names an existing server whose user may CREATE DATABASE; otherwise a private
# cluster is started in $CLUSTER_DIR (loopback only) and stopped by bench_stop_cluster.
bench_started_cluster=""

say() { printf '==> %s\n' "$*" >&2; }
die() { printf '%s: %s\n' "$(basename "$0" .sh)" "$*" >&2; exit 1; }
# Every step has a time bound ($STEP_TIMEOUT seconds): a stuck bench fails instead of hanging.
bounded() { timeout --foreground "$STEP_TIMEOUT" "$@"; }
now_s() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# The first number of "field": N in a JSON text.
json_field() { sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\([0-9.][0-9.]*\).*/\1/p" <<<"$2" | head -n1; }

bench_start_cluster() {
  if [ -n "${BENCH_DATABASE_URL:-}" ]; then
    ADMIN_URL="$BENCH_DATABASE_URL"
  else
    say "starting a private cluster in $CLUSTER_DIR"
    bench_started_cluster=1
    "$bin" db start --dir "$CLUSTER_DIR" >/dev/null
    ADMIN_URL="$("$bin" db url --admin --dir "$CLUSTER_DIR")"
  fi
}

bench_stop_cluster() {
  if [ -n "$bench_started_cluster" ]; then
    say "stopping the private cluster"
    "$bin" db stop --dir "$CLUSTER_DIR" >/dev/null 2>&1 || true
  fi
}

# postgres://user@host:port/db[?params] → the same server, database $1.
bench_db_url() {
  local base="${ADMIN_URL%%\?*}" query=""
  [[ "$ADMIN_URL" == *\?* ]] && query="?${ADMIN_URL#*\?}"
  printf '%s/%s%s' "${base%/*}" "$1" "$query"
}

# A fresh, migrated database $1 with the partitions of the last $2 days; sets URL and DATABASE_URL.
bench_fresh_database() {
  URL="$(bench_db_url "$1")"
  export DATABASE_URL="$URL"
  psql "$ADMIN_URL" -qX -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $1 WITH (FORCE)" -c "CREATE DATABASE $1" >/dev/null
  "$bin" migrate >/dev/null
  psql "$URL" -qX -v ON_ERROR_STOP=1 -c \
    "SELECT sluice_ensure_event_partition(day) FROM generate_series(now() - interval '$(( $2 + 1 )) days', now() + interval '1 day', interval '1 day') AS day" >/dev/null
}
