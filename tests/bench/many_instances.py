#!/usr/bin/env python3
"""Benchmark: COUNT instances of a small program under the usual soft limit
of 1024 open files: are they all online, how long until they are, how fast
`pm list` answers then, and what pmd holds in memory. PM2 beside it at
PM2_COUNT instances (it takes minutes at 1000)."""

import json
import os
import resource
import statistics
import subprocess
import time

from common import PM, PM2, Homes, ensure_tools, memory

COUNT = int(os.environ.get("BENCH_COUNT", "1000"))
PM2_COUNT = int(os.environ.get("BENCH_PM2_COUNT", "200"))
LIST_RUNS = 15


def low_limit():
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))


def online(tool, h, count):
    command = [PM, "jlist"] if tool == "pm" else [PM2, "jlist"]
    rows = json.loads(subprocess.run(command, env=h.env, capture_output=True, text=True,
                                     check=True).stdout)
    status = (lambda r: r["status"]) if tool == "pm" else (lambda r: r["pm2_env"]["status"])
    return sum(1 for r in rows if status(r) == "online"), len(rows)


def start(tool, h, count):
    command = ([PM, "start", "/bin/sleep", "--name", "many", "-i", str(count), "--", "100000"]
               if tool == "pm" else
               [PM2, "start", "/bin/sleep", "--name", "many", "-i", str(count), "-f", "--",
                "100000"])
    begin = time.monotonic()
    subprocess.run(command, env=h.env, capture_output=True, preexec_fn=low_limit, check=True)
    deadline = begin + 600
    while True:
        up, rows = online(tool, h, count)
        if up == count:
            return time.monotonic() - begin
        if time.monotonic() > deadline:
            raise SystemExit(f"{tool}: only {up} of {count} online ({rows} rows) after 600 s")
        time.sleep(0.2)


def list_ms(command, env):
    times = []
    for _ in range(LIST_RUNS):
        t = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), min(times), max(times)


def main():
    ensure_tools()
    rows = []
    for tool, count in (("pm", COUNT), ("pm", PM2_COUNT), ("PM2", PM2_COUNT)):
        with Homes() as h:
            subprocess.run([PM if tool == "pm" else PM2, "ping"], env=h.env, capture_output=True,
                           preexec_fn=low_limit, check=True)
            seconds = start(tool, h, count)
            ms = list_ms([PM, "list"] if tool == "pm" else [PM2, "list"], h.env)
            pid_file = f"{h.dir}/pm/pmd.pid" if tool == "pm" else f"{h.dir}/pm2/pm2.pid"
            rss = memory(int(open(pid_file).read()))[0] / 1024
            rows.append((tool, count, seconds, ms, rss))
    print(f"{'':5}{'instances':>10}{'all online, s':>15}{'list, median ms (range)':>28}"
          f"{'daemon RSS, MB':>16}")
    for tool, count, seconds, ms, rss in rows:
        print(f"{tool:5}{count:>10}{seconds:>15.1f}{ms[0]:>13.1f} ({ms[1]:.1f}-{ms[2]:.1f})"
              f"{'':>6}{rss:>16.1f}")
    print("(soft open-files limit 1024 for the daemon as started; every instance checked online)")


if __name__ == "__main__":
    main()
