#!/usr/bin/env bash
# Alertmanager webhook ingestion into runbookd with durable commit (a 200 only after the alerts'
# SQLite transaction is committed, WAL, synchronous=FULL). Not a test. See docs/performance.md.
#
#   bench/webhook_ingest.sh [--runbookd PATH] [--seconds 10] [--rate 1000] [--open-seconds 20]
#                           [--connections-1 64] [--connections-50 32] [--rules none|nomatch|match]
#                           [--pool N] [--growth-windows 4] [--json FILE] [--force]
#
# Three runs, each against a fresh runbookd with a fresh store in a temp dir on the disk of
# $TMPDIR (default /tmp), then a fourth:
#   1. closed loop, 1 alert per payload, --connections-1 keep-alive connections: alerts/s;
#   2. closed loop, 50 alerts per payload, --connections-50 connections: alerts/s;
#   3. open loop at --rate alerts/s (1 alert per payload, 64 connections): latency p50/p99,
#      counted from when each request was due;
#   4. growth: --growth-windows consecutive 5 s windows of run 2 against ONE runbookd, to show how
#      the rate changes as the number of firing alerts it holds grows (0 windows: skipped).
# Every alert has a fingerprint of its own, so each is a new row (--pool N instead cycles through
# N alerts: repeat deliveries of the same firing alerts, as Alertmanager re-sends them). --rules: "nomatch" (default)
# configures one rule the alerts do not match (the evaluator still sees every firing alert),
# "match" one rule they all match (one incident; each new alert is also a timeline entry),
# "none" no rules.
#
# The load client (bench/webhook_ingest.cpp) is built here with c++. runbookd shares the
# machine with the client: on 2 cores the figures are for both together.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")

runbookd=${RUNBOOKD:-}
seconds=10
rate=1000
open_seconds=20
conns1=64
conns50=32
rules=nomatch
pool=0
growth=4
json=
force=0
while [[ $# -gt 0 ]]; do
  case $1 in
    --runbookd) runbookd=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --rate) rate=$2; shift 2 ;;
    --open-seconds) open_seconds=$2; shift 2 ;;
    --connections-1) conns1=$2; shift 2 ;;
    --connections-50) conns50=$2; shift 2 ;;
    --rules) rules=$2; shift 2 ;;
    --pool) pool=$2; shift 2 ;;
    --growth-windows) growth=$2; shift 2 ;;
    --json) json=$2; shift 2 ;;
    --force) force=1; shift ;;
    *) echo "webhook_ingest.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [[ -z $runbookd ]]; then
  # The newest complete build (a binary being linked right now is empty or not executable yet).
  while IFS= read -r candidate; do
    if [[ -x $candidate && -s $candidate ]]; then runbookd=$candidate; break; fi
  done < <(ls -t "$root"/build*/daemon/app/runbookd 2>/dev/null || true)
fi
if [[ -z $runbookd || ! -x $runbookd ]]; then
  echo "webhook_ingest.sh: no runbookd binary; build it or pass --runbookd PATH" >&2
  exit 1
fi
case $rules in none|nomatch|match) ;; *) echo "webhook_ingest.sh: --rules none|nomatch|match" >&2; exit 2 ;; esac

# Another benchmark on the same cores would skew both.
others=$(pgrep -fa 'bench/' | grep -v -e "^$$ " -e webhook_ingest || true)
if [[ -n $others && $force -eq 0 ]]; then
  echo "webhook_ingest.sh: another benchmark is running (wait for it, or --force):" >&2
  echo "$others" >&2
  exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/runbookd-bench-webhook-XXXXXX")
pid=
cleanup() {
  if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

c++ -O2 -std=c++20 -Wall -Wextra -o "$work/webhook_ingest" "$here/webhook_ingest.cpp"
printf 'bench-webhook-token-%s\n' "$RANDOM$RANDOM" > "$work/token"
chmod 600 "$work/token"

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

rules_yaml() {
  case $rules in
    none) ;;
    nomatch) printf 'rules:\n  - { name: Unrelated, severity: high, when: { alert: { alertname: SomethingElse } } }\n' ;;
    match) printf 'rules:\n  - { name: Bench, severity: warning, when: { alert: { alertname: BenchAlert } } }\n' ;;
  esac
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# start_runbookd NAME: a fresh runbookd and store in $work/NAME; sets pid and port.
start_runbookd() {
  local dir="$work/$1"
  mkdir -p "$dir"
  port=$(free_port)
  {
    printf 'server: { listen: "127.0.0.1:%s" }\n' "$port"
    printf 'store: { path: %s/runbookd.db }\n' "$dir"
    printf 'log: { level: warn }\n'
    printf 'auth:\n  tokens:\n    - { name: alertmanager, role: webhook, token_file: %s/token }\n' "$work"
    rules_yaml
  } > "$dir/runbookd.yaml"
  "$runbookd" --config "$dir/runbookd.yaml" > "$dir/runbookd.log" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    if curl -fsS "http://127.0.0.1:$port/-/ready" > /dev/null 2>&1; then return 0; fi
    sleep 0.1
  done
  echo "webhook_ingest.sh: runbookd did not get ready:" >&2
  cat "$dir/runbookd.log" >&2
  exit 1
}

stop_runbookd() {
  kill -TERM "$pid"
  wait "$pid" || true
  pid=
}

hz=$(getconf CLK_TCK)
results=()
# run NAME CLIENT_ARGS...: one run against a fresh runbookd; prints the client's line plus
# runbookd's CPU seconds and the rows stored.
run() {
  local name=$1; shift
  start_runbookd "$name"
  local before after line
  before=$(cpu_ticks "$pid")
  line=$("$work/webhook_ingest" "$1" "$port" "$work/token" "${@:2}")
  after=$(cpu_ticks "$pid")
  stop_runbookd
  line="$line runbookd_cpu_s=$(awk -v t=$((after - before)) -v hz="$hz" 'BEGIN{printf "%.2f", t/hz}')"
  echo "$name: $line"
  results+=("$name $line")
}

echo "runbookd: $runbookd ($("$runbookd" --version 2>&1 | head -1))"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'); store on $(df -T "$work" | awk 'NR==2{print $2" "$1}')"
echo "rules: $rules"
echo "alerts: $([[ $pool -eq 0 ]] && echo 'every one new' || echo "cycling through $pool")"
run ingest_1_per_payload closed "$conns1" 1 "$seconds" 1 "$pool"
run ingest_50_per_payload closed "$conns50" 50 "$seconds" 1 "$pool"
run latency_at_rate open "$rate" "$open_seconds" 64 "$pool"

if [[ $growth -gt 0 ]]; then
  start_runbookd growth
  held=0
  for w in $(seq "$growth"); do
    line=$("$work/webhook_ingest" closed "$port" "$work/token" "$conns50" 50 5 0 "$pool")
    ok=$(sed -n 's/.*alerts_ok=\([0-9]*\).*/\1/p' <<< "$line")
    echo "growth window $w (runbookd holding $held alerts at its start): $line"
    results+=("growth_$w $line alerts_held_at_start=$held")
    if [[ $pool -eq 0 ]]; then held=$((held + ok)); else held=$pool; fi
  done
  stop_runbookd
fi

if [[ -n $json ]]; then
  {
    echo '{'
    echo "  \"runbookd\": \"$runbookd\", \"cores\": $(nproc), \"rules\": \"$rules\","
    echo '  "runs": ['
    for i in "${!results[@]}"; do
      set -- ${results[$i]}
      local_name=$1; shift
      printf '    {"name": "%s"' "$local_name"
      for kv in "$@"; do
        k=${kv%%=*}; v=${kv#*=}
        if [[ $v =~ ^[0-9.]+$ ]]; then printf ', "%s": %s' "$k" "$v"; else printf ', "%s": "%s"' "$k" "$v"; fi
      done
      if [[ $i -lt $((${#results[@]} - 1)) ]]; then echo '},'; else echo '}'; fi
    done
    echo '  ]'
    echo '}'
  } > "$json"
  echo "wrote $json"
fi
