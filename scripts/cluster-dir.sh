#!/usr/bin/env bash
# Prints where a local cluster named NAME should live: ./NAME in the checkout, unless the server
# (run as the `postgres` user when we are root) could not reach it — e.g. a checkout under /root —
# in which case a directory under /tmp that it can reach.
set -euo pipefail
name="${1:?usage: cluster-dir.sh NAME}"
if [ "$(id -u)" -ne 0 ] || runuser -u postgres -- test -x "$PWD" 2>/dev/null; then
  echo "$PWD/$name"
else
  dir="/tmp/sluice-$(echo "$PWD" | md5sum | cut -c1-8)-$name"
  mkdir -p "$dir"
  echo "$dir"
fi
