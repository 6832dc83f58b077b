#!/usr/bin/env python3
"""Benchmark: what Prometheus metrics cost pmd. 100 instances (`sleep`, so
nothing but pmd is measured) under one pmd with PM_METRICS; pmd's CPU over
SECONDS at idle, then over SECONDS scraped once a second (Prometheus's
usual interval is 15 s or more), and the time one scrape takes.

RUNS interleaved runs (idle, scraped); the median and range of each.

What is timed is checked: all 100 instances are online before either
measure, every scrape answers 200 and holds a ready series for each of the
100 pids."""

import os
import re
import sys
import time
import urllib.request

from common import RUNS, Homes, builds, ensure_tools, print_header, spread, wait_port

INSTANCES = 100
SECONDS = int(os.environ.get("BENCH_SECONDS", "20"))
METRICS_PORT = 9291


def pmd_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def scrape(pids):
    began = time.monotonic()
    with urllib.request.urlopen(f"http://127.0.0.1:{METRICS_PORT}/metrics", timeout=10) as reply:
        if reply.status != 200:
            raise SystemExit(f"scrape answered {reply.status}")
        text = reply.read().decode()
    took = time.monotonic() - began
    ready = set(re.findall(r'^pm_instance_ready\{[^}]*pid="(\d+)"\} 1$', text, re.M))
    if ready != pids:
        raise SystemExit(f"a scrape showed {len(ready)} ready pids, not the {len(pids)} running")
    return took


def measure(pid, pids, scraping):
    """pmd's CPU percent over SECONDS, and the scrape times."""
    times = []
    start_cpu, start = pmd_cpu_seconds(pid), time.monotonic()
    next_scrape = start
    while time.monotonic() - start < SECONDS:
        if scraping and time.monotonic() >= next_scrape:
            times.append(scrape(pids))
            next_scrape += 1
        time.sleep(0.05)
    elapsed = time.monotonic() - start
    return 100 * (pmd_cpu_seconds(pid) - start_cpu) / elapsed, times


def main():
    ensure_tools()
    print_header()
    label, pm = builds()[0]
    idle, scraped, scrape_ms = [], [], []
    with Homes(pm) as h:
        h.env["PM_METRICS"] = str(METRICS_PORT)
        h.pm("start", "sleep 100000", "--name", "sleepers", "-i", str(INSTANCES))
        h.wait_online("pm", "sleepers", INSTANCES, deadline=120)
        wait_port(METRICS_PORT)
        pids = {str(p) for p, _ in h.instances("pm", "sleepers")}
        pmd = h.daemon_pid("pm")
        for run in range(RUNS):
            cpu, _ = measure(pmd, pids, scraping=False)
            idle.append(cpu)
            cpu, times = measure(pmd, pids, scraping=True)
            scraped.append(cpu)
            scrape_ms += [t * 1000 for t in times]
            print(f"  run {run + 1}: idle {idle[-1]:.2f}% scraped {scraped[-1]:.2f}%",
                  file=sys.stderr, flush=True)
        h.pm("delete", "sleepers")
    print(f"\n{'pmd with ' + str(INSTANCES) + ' instances':32} {'cpu':>22}")
    print(f"{'idle':32} {spread(idle, '.2f', '%'):>22}")
    print(f"{'scraped every 1 s':32} {spread(scraped, '.2f', '%'):>22}")
    print(f"{'one scrape':32} {spread(scrape_ms, '.1f', ' ms'):>22}")
    print(f"\n(median and range of {RUNS} interleaved runs of {SECONDS} s each, pm {label}; "
          "cpu: pmd's user+system time over the run, percent of one core; one scrape: "
          "GET /metrics to the end of the body, every scrape of every run)")


if __name__ == "__main__":
    main()
