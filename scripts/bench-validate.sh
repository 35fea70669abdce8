#!/usr/bin/env bash
# Validator benchmark: validate + normalize MB/s per core over a generated mixed corpus, beside
# Foundation JSONSerialization on the same bytes. Usage: scripts/bench-validate.sh [corpus-MB]
# (default 64). Results: docs/performance.md, section "Validator".
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product SluiceBench >&2
exec "$(swift build -c release --show-bin-path)/SluiceBench" "${1:-64}"
