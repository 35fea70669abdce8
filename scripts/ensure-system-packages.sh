#!/usr/bin/env bash
# Installs what a fresh Debian/Ubuntu machine lacks to build and run Sluice:
# the PostgreSQL server binaries (initdb, pg_ctl, psql), libpq's, zlib's, hiredis's and librdkafka's
# headers, pkg-config, and redis-server (the queue tests run against a real one).
# Safe to run repeatedly; installs nothing when everything is present.
set -euo pipefail

need=()
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
pkg-config --exists libpq 2>/dev/null || need+=(libpq-dev)
pkg-config --exists zlib 2>/dev/null || need+=(zlib1g-dev)
pkg-config --exists hiredis 2>/dev/null || need+=(libhiredis-dev)
pkg-config --exists rdkafka 2>/dev/null || need+=(librdkafka-dev)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
command -v psql >/dev/null 2>&1 || need+=(postgresql-client)

if ((${#need[@]} == 0)); then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "sluice: missing ${need[*]} and no apt-get here: install them with your package manager" >&2
  exit 1
fi
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "sluice: need root (or sudo) to install ${need[*]}" >&2; exit 1; }
  sudo=(sudo)
fi

# Sluice runs its own throwaway cluster; stop Debian from creating and starting a system-wide
# "main" cluster on port 5432 when the postgresql package is installed.
if [[ " ${need[*]} " == *" postgresql "* ]] && [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  "${sudo[@]}" mkdir -p /etc/postgresql-common
  echo "create_main_cluster = false" | "${sudo[@]}" tee /etc/postgresql-common/createcluster.conf >/dev/null
fi

echo "sluice: installing ${need[*]}" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
