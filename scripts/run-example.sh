#!/usr/bin/env bash
# Installs what runbookd needs, builds it, and starts it in the foreground with the shipped
# example config: loopback only (127.0.0.1:8474), embedded SQLite state under /var/lib/runbookd.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --build-only
bash scripts/build.sh runbookd runbookctl
mkdir -p /var/lib/runbookd
exec ./build/daemon/app/runbookd --config config/examples/runbookd.yaml
