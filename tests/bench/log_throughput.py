#!/usr/bin/env python3
"""Benchmark: an app writing 200-byte lines as fast as it can. How many MB/s
reach its log files, and how much CPU the daemon spends on it, pm next to
PM2 in one run: RUNS interleaved runs of SECONDS each, median and spread."""

import glob
import os
import statistics
import time

from common import Homes, ensure_tools

SECONDS = float(os.environ.get("BENCH_SECONDS", "4"))
RUNS = int(os.environ.get("BENCH_RUNS", "3"))
LINE = "x" * 199  # + newline: 200 bytes


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def log_bytes(pattern):
    return sum(os.path.getsize(path) for path in glob.glob(pattern))


def measure(tool, h):
    """(MB/s reaching the logs, daemon CPU %) for one run."""
    name = f"flood{int(time.monotonic() * 1000)}"
    if tool == "pm":
        result = h.pm("start", "/usr/bin/yes", "--name", name, "--log-max-size", "0", "--", LINE)
        daemon = int(open(f"{h.dir}/pm/pmd.pid").read())
        pattern = f"{h.dir}/pm/logs/{name}-*out.log*"
    else:
        result = h.pm2("start", "/usr/bin/yes", "--name", name, "--", LINE)
        daemon = int(open(f"{h.dir}/pm2/pm2.pid").read())
        pattern = f"{h.dir}/pm2/logs/{name}-out*.log*"
    if result.returncode != 0:
        raise SystemExit(f"{tool} start failed: {result.stdout}{result.stderr}")
    cpu0, bytes0, t0 = cpu_seconds(daemon), log_bytes(pattern), time.monotonic()
    time.sleep(SECONDS)
    cpu1, bytes1, t1 = cpu_seconds(daemon), log_bytes(pattern), time.monotonic()
    stop = (h.pm if tool == "pm" else h.pm2)("delete", name)
    if stop.returncode != 0:
        raise SystemExit(f"{tool} delete failed: {stop.stdout}{stop.stderr}")
    for path in glob.glob(pattern):
        os.unlink(path)
    if bytes1 <= bytes0:
        raise SystemExit(f"{tool}: nothing reached the log files ({pattern})")
    return (bytes1 - bytes0) / (t1 - t0) / 1e6, 100 * (cpu1 - cpu0) / (t1 - t0)


def summary(values):
    return f"{statistics.median(values):8.1f} ({min(values):.1f}-{max(values):.1f})"


def main():
    ensure_tools()
    results = {"pm": [], "PM2": []}
    with Homes() as h:
        h.pm("ping")
        h.pm2("ping")
        for _ in range(RUNS):
            for tool in ("pm", "PM2"):
                results[tool].append(measure(tool, h))
    print(f"{'':14}{'MB/s to the log (range)':>28}{'daemon CPU % (range)':>26}")
    for tool, runs in results.items():
        print(f"{tool:14}{summary([r[0] for r in runs]):>28}{summary([r[1] for r in runs]):>26}")
    pm_rate = statistics.median(r[0] for r in results["pm"])
    pm2_rate = statistics.median(r[0] for r in results["PM2"])
    print(f"pm/PM2 throughput: {pm_rate / pm2_rate:.2f}x "
          f"(median of {RUNS} interleaved runs of {SECONDS:.0f} s, 200-byte lines from yes)")


if __name__ == "__main__":
    main()
