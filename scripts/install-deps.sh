#!/usr/bin/env bash
# Installs every package runbookd needs to build, run and test (Debian 12, as root).
# Idempotent and non-interactive; safe to run again.
set -euo pipefail

build_pkgs=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libssl-dev libspdlog-dev libfmt-dev libyaml-cpp-dev prometheus-cpp-dev libcli11-dev
  libc-ares-dev libsystemd-dev catch2 libcpp-httplib-dev libsqlite3-dev
  libpugixml-dev libhiredis-dev librdkafka-dev libpq-dev
)
# Real peers the tests start on loopback, and the tools they use to look at runbookd.
test_pkgs=(
  clang-format openssl curl python3 procps
  prometheus prometheus-alertmanager prometheus-blackbox-exporter monit dnsmasq-base
  redis-server postgresql faketime systemd python3-botocore
)

want=("${build_pkgs[@]}")
[ "${1:-}" = "--build-only" ] || want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
# Packaged daemons (prometheus, redis, postgresql, dnsmasq, monit) must not start on install:
# the tests start their own copies on loopback.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy"
  chmod +x "$policy"
  created_policy=1
fi
trap '[ $created_policy -eq 1 ] && rm -f "$policy"' EXIT

apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-deps: installed ${#missing[@]} packages"
