#!/usr/bin/env bash
# CPU seconds per HTTP probe and peak RSS: runbookd vs blackbox_exporter (at saturation through
# /probe) vs Monit (200 HTTP checks per 1 s cycle), all against one local HTTP target, measured in
# one run on this machine. Not a test. See docs/performance.md.
#
#   bench/http_probe_cpu.sh [--runbookd PATH] [--seconds 20] [--probes 400] [--concurrency 16]
#                           [--monit-checks 200] [--rounds 1] [--json FILE] [--only runbookd|blackbox|monit]
#
# PATH defaults to $RUNBOOKD or the newest build*/daemon/app/runbookd under the project root.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")

runbookd=${RUNBOOKD:-}
args=()
while [[ $# -gt 0 ]]; do
  case $1 in
    --runbookd) runbookd=$2; shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done
if [[ -z $runbookd ]]; then
  # The newest complete build (a binary being linked right now is empty or not executable yet).
  while IFS= read -r candidate; do
    if [[ -x $candidate && -s $candidate ]]; then runbookd=$candidate; break; fi
  done < <(ls -t "$root"/build*/daemon/app/runbookd 2>/dev/null || true)
fi
if [[ -z $runbookd || ! -x $runbookd ]]; then
  echo "http_probe_cpu.sh: no runbookd binary; build it or pass --runbookd PATH" >&2
  exit 2
fi
for tool in prometheus-blackbox-exporter monit python3 c++; do
  command -v "$tool" >/dev/null || { echo "http_probe_cpu.sh: $tool is not installed" >&2; exit 2; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/runbookd-bench-XXXXXX")
trap 'rm -rf "$work"' EXIT
c++ -O2 -std=c++20 -Wall -Wextra -o "$work/httpbench" "$here/httpbench.cpp"
python3 "$here/http_probe_cpu.py" --runbookd "$runbookd" --httpbench "$work/httpbench" --work "$work" \
  ${args[@]+"${args[@]}"}
