#!/usr/bin/env bash
# Installs build and test dependencies, builds, and runs the whole suite (labels unit,
# integration, e2e, fuzz). Real peers (Prometheus, Alertmanager, blackbox_exporter, dnsmasq,
# Redis, PostgreSQL) are started by the tests themselves on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
cd build
exec ctest --output-on-failure --timeout 600 -j "$(nproc)"
