#!/usr/bin/env python3
"""Benchmark: an app writing 200-byte lines as fast as it can. How many MB/s
reach its log files, and how much CPU the daemon spends on it, pm next to
PM2: RUNS interleaved runs of SECONDS each; every figure is the median of
the runs with its range, the ratio pm/PM2 that of each run's throughputs.
Each run starts a new app and measures only once its instance is online,
and bytes must have reached the logs, or the run is an error."""

import glob
import os
import time

from chart import save_chart
from common import RUNS, Homes, ensure_tools, print_header, spread

SECONDS = float(os.environ.get("BENCH_SECONDS", "4"))
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
        h.pm("start", "/usr/bin/yes", "--name", name, "--log-max-size", "0", "--", LINE)
        pattern = f"{h.dir}/pm/logs/{name}-*out.log*"
    else:
        h.pm2("start", "/usr/bin/yes", "--name", name, "--", LINE)
        pattern = f"{h.dir}/pm2/logs/{name}-out*.log*"
    pids = h.wait_online(tool, name, 1)
    daemon = h.daemon_pid(tool)
    cpu0, bytes0, t0 = cpu_seconds(daemon), log_bytes(pattern), time.monotonic()
    time.sleep(SECONDS)
    cpu1, bytes1, t1 = cpu_seconds(daemon), log_bytes(pattern), time.monotonic()
    if h.wait_online(tool, name, 1, deadline=0) != pids:
        raise SystemExit(f"{tool}: {name} was restarted while it was measured")
    h.run(tool, "delete", name)
    for path in glob.glob(pattern):
        os.unlink(path)
    if bytes1 <= bytes0:
        raise SystemExit(f"{tool}: nothing reached the log files ({pattern})")
    return (bytes1 - bytes0) / (t1 - t0) / 1e6, 100 * (cpu1 - cpu0) / (t1 - t0)


def main():
    ensure_tools()
    print_header()
    results = {"pm": [], "PM2": []}
    with Homes() as h:
        # Both daemons up before the first run, so no run counts a daemon's start.
        h.pm("ping")
        h.pm2("ping")
        for _ in range(RUNS):
            for tool in ("pm", "PM2"):
                results[tool].append(measure(tool, h))
    print(f"{'':14}{'MB/s to the log (range)':>28}{'daemon CPU % (range)':>26}")
    table = []
    for tool, runs in results.items():
        table.append(f"{tool:14}{spread([r[0] for r in runs]):>28}"
                     f"{spread([r[1] for r in runs]):>26}")
        print(table[-1])
    save_chart("log_throughput", "\n".join(table))
    ratios = [pm[0] / pm2[0] for pm, pm2 in zip(results["pm"], results["PM2"])]
    print(f"pm/PM2 throughput: {spread(ratios, '.2f', 'x')} "
          f"(median and range of {RUNS} interleaved runs of {SECONDS:g} s, 200-byte lines "
          "from yes)")


if __name__ == "__main__":
    main()
