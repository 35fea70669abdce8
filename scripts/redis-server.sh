#!/usr/bin/env bash
# A throwaway redis-server for tests and benchmarks: loopback only, a free port, no persistence.
#
#   scripts/redis-server.sh start DIR   start one with its files in DIR; prints redis://127.0.0.1:PORT
#   scripts/redis-server.sh stop DIR    stop the one started in DIR and remove DIR
set -euo pipefail

command="${1:-}"
dir="${2:-}"
[ -n "$dir" ] && { [ "$command" = start ] || [ "$command" = stop ]; } || {
  echo "usage: scripts/redis-server.sh start|stop DIR" >&2
  exit 2
}

case "$command" in
start)
  mkdir -p "$dir"
  for _ in $(seq 1 10); do
    port=$((20000 + RANDOM % 40000))
    # Skip a port something already listens on (it could answer our ping).
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then continue; fi
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly no --dir "$dir" \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" >/dev/null || continue
    for _ in $(seq 1 30); do
      if redis-cli -p "$port" ping >/dev/null 2>&1; then
        echo "redis://127.0.0.1:$port"
        exit 0
      fi
      sleep 0.1
    done
  done
  echo "could not start redis-server (see $dir/redis.log)" >&2
  exit 1
  ;;
stop)
  if [ -s "$dir/redis.pid" ]; then kill "$(cat "$dir/redis.pid")" 2>/dev/null || true; fi
  rm -rf "$dir"
  ;;
esac
