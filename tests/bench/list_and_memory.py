#!/usr/bin/env python3
"""Benchmark: how fast `pm list` answers and what pmd costs in memory, side
by side with PM2 on this machine, each managing the same two apps (`a`, one
instance, and `b`, two: 3 instances under each manager).

RUNS interleaved runs; in each, `list` is timed CALLS times in a row per
manager (wall time including process start-up, /bin/true alike for
reference) and the daemons' memory is read. Every figure is the median of
the runs' figures with its range; the ratios PM2/pm are of each run's figures.
Both managers must have all 3 instances online, the same ones throughout."""

import statistics
import subprocess
import time

from chart import save_chart
from common import PM, PM2, RUNS, Homes, ensure_tools, memory, print_header, spread

CALLS = 20
APPS = {"a": 1, "b": 2}  # name -> instances


def median_ms(command, env):
    times = []
    for _ in range(CALLS):
        start = time.perf_counter()
        subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def online(h):
    """{(manager, app): pids}, every instance online."""
    return {(tool, name): h.wait_online(tool, name, count)
            for tool in ("pm", "PM2") for name, count in APPS.items()}


def main():
    ensure_tools()
    print_header()
    figures = {key: [] for key in ("true", "pm list", "PM2 list", "pm rss", "PM2 rss",
                                   "pm anon", "PM2 anon")}
    with Homes() as h:
        worker = f"{h.dir}/worker.js"
        with open(worker, "w") as f:
            f.write("setInterval(() => {}, 1000);\n")
        for tool in ("pm", "PM2"):
            for name, count in APPS.items():
                # One instance without -i: PM2 runs it in fork mode, the usual case.
                h.run(tool, "start", worker, "--name", name,
                      *(("-i", str(count)) if count > 1 else ()))
        instances = online(h)
        time.sleep(2)  # past start-up work in both daemons
        for _ in range(RUNS):
            figures["true"].append(median_ms(["/bin/true"], h.env))
            for tool, command in (("pm", PM), ("PM2", PM2)):
                figures[f"{tool} list"].append(median_ms([command, "list"], h.env))
                rss, anon = memory(h.daemon_pid(tool))
                figures[f"{tool} rss"].append(rss / 1024)
                figures[f"{tool} anon"].append(anon / 1024)
        if online(h) != instances:
            raise SystemExit("instances were replaced while they were measured")

    def ratios(what):
        return spread([b / a for a, b in zip(figures[f"pm {what}"], figures[f"PM2 {what}"])],
                      ".1f", "x")
    print(f"{'':20}{'pm':>24}{'PM2':>24}{'PM2/pm':>24}")
    table = []
    for label, what, fmt in (("list, ms", "list", ".2f"), ("daemon RSS, MB", "rss", ".1f"),
                             ("daemon RssAnon, MB", "anon", ".1f")):
        table.append(f"{label:20}{spread(figures[f'pm {what}'], fmt):>24}"
                     f"{spread(figures[f'PM2 {what}'], fmt):>24}{ratios(what):>24}")
        print(table[-1])
    save_chart("list_and_memory", "\n".join(table))
    print(f"(median and range of {RUNS} interleaved runs; list: the median of {CALLS} calls "
          f"in each, wall time including process start-up; starting /bin/true alone takes "
          f"{spread(figures['true'], '.2f')} ms here)")


if __name__ == "__main__":
    main()
