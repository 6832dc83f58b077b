#!/usr/bin/env python3
"""Benchmark: COUNT instances of a small program under the usual soft limit
of 1024 open files: are they all online, how long until they are, how fast
`pm list` answers then, and what pmd holds in memory. PM2 beside it at
PM2_COUNT instances (it takes minutes at 1000), and pm at PM2_COUNT too for
the ratios PM2/pm.

RUNS interleaved runs, each with new daemons for pm at COUNT, pm at
PM2_COUNT and PM2 at PM2_COUNT; `list` is timed LIST_CALLS times in each.
Every figure is the median of the runs with its range, the ratios those of
each run's figures. Every instance must be online (checked in jlist) before
anything is timed, or the run is an error."""

import os
import resource
import statistics
import time

from chart import save_chart
from common import RUNS, Homes, ensure_tools, memory, print_header, spread

COUNT = int(os.environ.get("BENCH_COUNT", "1000"))
PM2_COUNT = int(os.environ.get("BENCH_PM2_COUNT", "200"))
LIST_CALLS = 15
CONFIGS = (("pm", COUNT), ("pm", PM2_COUNT), ("PM2", PM2_COUNT))


def low_limit():
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    resource.setrlimit(resource.RLIMIT_NOFILE, (1024, hard))


def start(tool, h, count):
    """Seconds from `start` until all `count` instances are online."""
    begin = time.monotonic()
    h.run(tool, "start", "/bin/sleep", "--name", "many", "-i", str(count), "--", "100000",
          preexec_fn=low_limit)
    h.wait_online(tool, "many", count, deadline=600)
    return time.monotonic() - begin


def list_ms(tool, h):
    times = []
    for _ in range(LIST_CALLS):
        t = time.perf_counter()
        h.run(tool, "list")
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main():
    ensure_tools()
    print_header()
    results = {config: [] for config in CONFIGS}  # -> [(seconds, list ms, RSS MB)] per run
    for _ in range(RUNS):
        for tool, count in CONFIGS:
            with Homes() as h:
                # The daemon is started here, under the low limit, and keeps it.
                h.run(tool, "ping", preexec_fn=low_limit)
                seconds = start(tool, h, count)
                ms = list_ms(tool, h)
                rss = memory(h.daemon_pid(tool))[0] / 1024
                results[(tool, count)].append((seconds, ms, rss))
    print(f"{'':5}{'instances':>10}{'all online, s':>20}{'list, ms':>26}{'daemon RSS, MB':>24}")
    table = []
    for (tool, count), runs in results.items():
        seconds, ms, rss = zip(*runs)
        table.append(f"{tool:5}{count:>10}{spread(seconds):>20}{spread(ms):>26}{spread(rss):>24}")
        print(table[-1])
    save_chart("many_instances", "\n".join(table))
    pm_runs, pm2_runs = results[("pm", PM2_COUNT)], results[("PM2", PM2_COUNT)]
    ratios = [spread([b[i] / a[i] for a, b in zip(pm_runs, pm2_runs)], ".2f", "x")
              for i in range(3)]
    print(f"PM2/pm at {PM2_COUNT} instances: all online {ratios[0]}, list {ratios[1]}, "
          f"daemon RSS {ratios[2]}")
    print(f"(median and range of {RUNS} interleaved runs, list: the median of {LIST_CALLS} calls "
          "in each; soft open-files limit 1024 for the daemon as started; every instance "
          "checked online)")


if __name__ == "__main__":
    main()
