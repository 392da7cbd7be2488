#!/usr/bin/env python3
"""CPU seconds per HTTP probe and peak RSS: runbookd vs blackbox_exporter vs Monit.

Run through bench/http_probe_cpu.sh, which builds the helper (bench/httpbench.cpp) first.

All three probe the same local target (httpbench serve: a single-threaded epoll HTTP server that
answers 200 "ok"), one after the other, never at the same time. For each prober only its own
process is measured: CPU from /proc/PID/stat (utime+stime, all threads) over a fixed window after
a warm-up, peak RSS from /proc/PID/status VmHWM at the end. The target's and the load driver's
CPU are not counted.

  runbookd   N http probes (default 400) at interval 1s against the target; probes counted by
             runbookd_probe_runs_total (cross-checked with the target's request counter).
  blackbox   blackbox_exporter driven at saturation through GET /probe?module=http_2xx&target=...
             by httpbench drive (C keep-alive connections); probes = completed /probe answers
             that say probe_success 1 (failed ones are reported).
  monit      monit -I with `set daemon 1` and 200 `check host` entries, each
             `if failed port P protocol http request "/" then alert`; probes = requests the target
             served in the window (one per check).
"""

import argparse
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, limit):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


def http_get(port, path, timeout=5):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as r:
        return r.status, r.read().decode()


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    # fields[0] is field 3 (state); utime is field 14, stime field 15.
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def peak_rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def target_count(port):
    return int(http_get(port, "/__count")[1].strip())


def stop(proc, limit=10):
    if proc.poll() is not None:
        return proc.returncode
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(limit)
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.wait()


def log_tail(path, lines=20):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)')
LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_metrics(text):
    """(name, labels, value) for every sample line of the Prometheus text format."""
    out = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        if m:
            out.append((m.group(1), dict(LABEL.findall(m.group(2) or "")), float(m.group(3))))
    return out


class Measure:
    """CPU and probe count of one process over a window."""

    def __init__(self, pid, count):
        self.pid, self.count = pid, count
        self.t0, self.cpu0, self.n0 = time.monotonic(), cpu_seconds(pid), count()

    def finish(self):
        t1, cpu1, n1 = time.monotonic(), cpu_seconds(self.pid), self.count()
        return {"seconds": t1 - self.t0, "cpu": cpu1 - self.cpu0, "probes": n1 - self.n0}


def result(name, m, pid, note=""):
    probes = m["probes"]
    return {
        "name": name,
        "probes": probes,
        "seconds": m["seconds"],
        "cpu_seconds": m["cpu"],
        "cpu_per_probe": m["cpu"] / probes if probes > 0 else float("nan"),
        "probes_per_second": probes / m["seconds"],
        "cpu_utilisation": m["cpu"] / m["seconds"],
        "peak_rss_mib": peak_rss_mib(pid),
        "note": note,
    }


def bench_runbookd(args, work, tport):
    port = free_port()
    lines = [
        "server:",
        f"  listen: 127.0.0.1:{port}",
        "log: { level: warn }",
        f"store: {{ path: {work}/runbookd.db }}",
        "probes:",
    ]
    for i in range(args.probes):
        lines += [
            f"  - name: bench-{i:04d}",
            "    type: http",
            "    interval: 1s",
            "    timeout: 900ms",
            f'    spec: {{ url: "http://127.0.0.1:{tport}/r/{i}" }}',
        ]
    config = os.path.join(work, "runbookd.yaml")
    with open(config, "w") as f:
        f.write("\n".join(lines) + "\n")
    log = os.path.join(work, "runbookd.log")
    proc = subprocess.Popen([args.runbookd, "--config", config], stdout=open(log, "w"), stderr=subprocess.STDOUT)
    try:
        end = time.monotonic() + 15
        ready = False
        while time.monotonic() < end and proc.poll() is None:
            try:
                ready = http_get(port, "/-/ready", 1)[0] == 200
            except OSError:
                pass
            if ready:
                break
            time.sleep(0.1)
        if not ready:
            raise RuntimeError("runbookd did not become ready:\n" + log_tail(log))

        def runs():
            samples = parse_metrics(http_get(port, "/metrics")[1])
            return sum(v for n, _, v in samples if n == "runbookd_probe_runs_total")

        time.sleep(args.warmup + 1)  # first runs are spread over the 1 s interval
        m = Measure(proc.pid, runs)
        t_count0 = target_count(tport)
        time.sleep(args.seconds)
        r = m.finish()
        t_served = target_count(tport) - t_count0
        samples = parse_metrics(http_get(port, "/metrics")[1])
        by_result = {}
        for n, labels, v in samples:
            if n == "runbookd_probe_runs_total":
                key = labels.get("result", "?") + "/" + labels.get("reason", "?")
                by_result[key] = by_result.get(key, 0) + v
        skipped = sum(v for n, _, v in samples if n == "runbookd_probe_skipped_total")
        note = (f"{args.probes} probes @1s; target served {t_served} requests in the window; "
                f"runs by result/reason since start {by_result}; skipped since start {int(skipped)}")
        res = result("runbookd", r, proc.pid, note)
        code = stop(proc)
        if code != 0:
            res["note"] += f"; exit code {code} after SIGTERM"
        return res
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def bench_blackbox(args, work, tport):
    port = free_port()
    config = os.path.join(work, "blackbox.yml")
    with open(config, "w") as f:
        f.write("modules:\n  http_2xx:\n    prober: http\n    timeout: 5s\n"
                "    http:\n      preferred_ip_protocol: ip4\n")
    log = os.path.join(work, "blackbox.log")
    proc = subprocess.Popen([args.blackbox, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=open(log, "w"), stderr=subprocess.STDOUT)
    try:
        if not wait_port(port, 15):
            raise RuntimeError("blackbox_exporter did not listen:\n" + log_tail(log))
        path = f"/probe?module=http_2xx&target=http%3A%2F%2F127.0.0.1%3A{tport}%2F"

        def drive(seconds):
            out = subprocess.run([args.httpbench, "drive", str(port), path, str(args.concurrency), str(seconds),
                                  "probe_success 1"], capture_output=True, text=True, timeout=seconds + 30)
            if out.returncode != 0:
                raise RuntimeError("driver failed: " + out.stdout + out.stderr)
            return dict(kv.split("=") for kv in out.stdout.split())

        drive(args.warmup)
        completed = {"matched": 0}
        m = Measure(proc.pid, lambda: int(completed["matched"]))
        d = drive(args.seconds)
        completed["matched"] = int(d["matched"])
        r = m.finish()
        note = (f"driven by {args.concurrency} keep-alive connections; /probe answers: {d['completed']} completed, "
                f"{d['matched']} with probe_success 1, {d['failed']} other")
        res = result("blackbox_exporter", r, proc.pid, note)
        stop(proc)
        return res
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def bench_monit(args, work, tport):
    config = os.path.join(work, "monitrc")
    lines = [
        "set daemon 1",
        f"set logfile {work}/monit.log",
        f"set pidfile {work}/monit.pid",
        f"set idfile {work}/monit.id",
        f"set statefile {work}/monit.state",
        "",
    ]
    for i in range(args.monit_checks):
        lines += [
            f"check host bench-{i:04d} with address 127.0.0.1",
            f'  if failed port {tport} protocol http request "/m/{i}" then alert',
        ]
    with open(config, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(config, 0o600)
    log = os.path.join(work, "monit.out")
    proc = subprocess.Popen([args.monit, "-I", "-c", config], stdout=open(log, "w"), stderr=subprocess.STDOUT)
    try:
        c0 = target_count(tport)
        end = time.monotonic() + 15
        while time.monotonic() < end and proc.poll() is None and target_count(tport) - c0 < args.monit_checks:
            time.sleep(0.1)
        if proc.poll() is not None or target_count(tport) - c0 < args.monit_checks:
            raise RuntimeError("monit did not complete a cycle:\n" + log_tail(log) + log_tail(work + "/monit.log"))
        time.sleep(args.warmup)
        m = Measure(proc.pid, lambda: target_count(tport))
        time.sleep(args.seconds)
        r = m.finish()
        cycles = r["probes"] / args.monit_checks
        note = (f"{args.monit_checks} checks per 1 s cycle; {cycles:.1f} cycles in {r['seconds']:.1f} s "
                f"(probes = requests the target served)")
        res = result("monit", r, proc.pid, note)
        stop(proc)
        return res
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    mem = "?"
    with open("/proc/meminfo") as f:
        for line in f:
            if line.startswith("MemTotal"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    return f"{os.cpu_count()} CPUs, {model}, {mem} RAM, kernel {os.uname().release}"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runbookd", required=True)
    p.add_argument("--httpbench", required=True)
    p.add_argument("--work", required=True)
    p.add_argument("--blackbox", default="/usr/bin/prometheus-blackbox-exporter")
    p.add_argument("--monit", default="/usr/bin/monit")
    p.add_argument("--seconds", type=float, default=20, help="measurement window per prober")
    p.add_argument("--warmup", type=float, default=2)
    p.add_argument("--probes", type=int, default=400, help="runbookd http probes at 1s")
    p.add_argument("--concurrency", type=int, default=16, help="blackbox driver connections")
    p.add_argument("--monit-checks", type=int, default=200)
    p.add_argument("--rounds", type=int, default=1, help="measure every prober this many times; report medians")
    p.add_argument("--json", help="also write the results to this file")
    p.add_argument("--only", choices=["runbookd", "blackbox", "monit"], action="append")
    args = p.parse_args()

    tport = free_port()
    tlog = os.path.join(args.work, "target.log")
    target = subprocess.Popen([args.httpbench, "serve", str(tport)], stdout=open(tlog, "w"), stderr=subprocess.STDOUT)
    results = []
    try:
        if not wait_port(tport, 5):
            sys.exit("the target did not start:\n" + log_tail(tlog))
        print(f"machine: {machine()}")
        print(f"target: httpbench serve on 127.0.0.1:{tport}; window {args.seconds:g} s per prober")
        print(f"runbookd: {args.runbookd}", flush=True)
        for rnd in range(1, args.rounds + 1):
            for name, fn in (("runbookd", bench_runbookd), ("blackbox", bench_blackbox), ("monit", bench_monit)):
                if args.only and name not in args.only:
                    continue
                sub = tempfile.mkdtemp(prefix=f"{name}-{rnd}-", dir=args.work)
                t_cpu0 = cpu_seconds(target.pid)
                load = os.getloadavg()[0]
                try:
                    res = fn(args, sub, tport)
                except Exception as e:  # report and go on with the next prober
                    print(f"round {rnd} {name}: FAILED: {e}", flush=True)
                    continue
                res["round"] = rnd
                res["loadavg_1m_before"] = load
                res["target_cpu_seconds"] = cpu_seconds(target.pid) - t_cpu0
                results.append(res)
                print(f"round {rnd} {name}: {res['probes']:.0f} probes in {res['seconds']:.1f} s, "
                      f"{1e6 * res['cpu_per_probe']:.1f} us CPU/probe (1-min load average before: {load:.2f})",
                      flush=True)
    finally:
        target.terminate()
        target.wait()

    # Per prober, the round with the median CPU per probe (all rounds are in --json).
    names = []
    for r in results:
        if r["name"] not in names:
            names.append(r["name"])
    by, spread = {}, {}
    for n in names:
        rs = sorted((r for r in results if r["name"] == n), key=lambda r: r["cpu_per_probe"])
        by[n] = rs[(len(rs) - 1) // 2]
        spread[n] = f"{1e6 * rs[0]['cpu_per_probe']:.0f}-{1e6 * rs[-1]['cpu_per_probe']:.0f}"

    print()
    if args.rounds > 1:
        print(f"median of {args.rounds} rounds (by CPU per probe); range over the rounds in the last column")
    print(f"{'prober':<18} {'probes':>8} {'probes/s':>9} {'CPU s':>8} {'CPU':>6} {'CPU us/probe':>13} "
          f"{'peak RSS MiB':>13} {'us/probe range':>15}")
    for n in names:
        r = by[n]
        print(f"{n:<18} {r['probes']:>8.0f} {r['probes_per_second']:>9.1f} {r['cpu_seconds']:>8.2f} "
              f"{100 * r['cpu_utilisation']:>5.1f}% {1e6 * r['cpu_per_probe']:>13.1f} {r['peak_rss_mib']:>13.1f} "
              f"{spread[n]:>15}")
    print()
    for n in names:
        r = by[n]
        print(f"{n}: {r['note']} (target CPU during this run: {r['target_cpu_seconds']:.2f} s, not counted)")
    if "runbookd" in by:
        print()
        for other in ("blackbox_exporter", "monit"):
            if other in by:
                ratio = by["runbookd"]["cpu_per_probe"] / by[other]["cpu_per_probe"]
                rss = by["runbookd"]["peak_rss_mib"] / by[other]["peak_rss_mib"]
                per_round = [
                    a["cpu_per_probe"] / b["cpu_per_probe"]
                    for a in results if a["name"] == "runbookd"
                    for b in results if b["name"] == other and b["round"] == a["round"]
                ]
                rounds = (" (per round: " + ", ".join(f"{x:.3f}" for x in per_round) + ")") if len(per_round) > 1 else ""
                print(f"runbookd/{other}: CPU per probe {ratio:.3f}{rounds}, peak RSS {rss:.2f}")
        if "blackbox_exporter" in by:
            ratio = by["runbookd"]["cpu_per_probe"] / by["blackbox_exporter"]["cpu_per_probe"]
            print(f"target (issue 2): runbookd CPU per HTTP probe <= 0.25 x blackbox_exporter's: "
                  f"{'MET' if ratio <= 0.25 else 'NOT MET'} ({ratio:.3f})")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"machine": machine(), "results": results}, f, indent=2)
    return 0 if len(names) == 3 or args.only else 1


if __name__ == "__main__":
    sys.exit(main())
