#!/usr/bin/env python3
"""Benchmark: failed requests per crash under `ab -c200 -t SECONDS` against
a 2-instance Node hello world whose instances exit at random: each lives a
random LIFE_MIN to LIFE_MAX seconds (over the managers' 1 s minimum uptime,
so no manager gives up on it), then calls process.exit(1) on the next
request instead of answering it. That request fails whatever the manager
does (the bar: one failed request per crash); what else fails is what the
manager loses: connections the dead instance had accepted or was queued,
and those refused or reset while it is away. pm (each build of
BENCH_BUILDS) and PM2 cluster mode.

RUNS interleaved runs; the median and range of the crashes, the failed
requests and the failed requests per crash of each run.

What is timed is checked: the port is free before the app starts; both
instances are online before the load; ab must run its whole time (or give
up on a refused or reset connection, which is then the result); after the
load both instances are online again, and the crashes counted are the
managers' restart counts, which must be at least one."""

import json
import os
import sys
import time

from chart import save_chart

from common import (PM2, RUNS, Homes, builds, ensure_tools, failed_cell, load_failures,
                    print_header, spread, start_load, wait_port, wait_port_free)

PORT = 8095
SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
CONCURRENCY = 200
LIFE_MIN, LIFE_MAX = 1.5, 4.0
APP = f"""const http = require('http');
const dies = Date.now() + 1000 * ({LIFE_MIN} + Math.random() * {LIFE_MAX - LIFE_MIN});
http.createServer((req, res) => {{
  if (Date.now() > dies) process.exit(1);
  res.end('hello world\\n');
}}).listen({PORT});
"""


def restarts(h, manager):
    rows = json.loads(h.run(manager, "jlist").stdout or "[]")
    if manager == "pm":
        return sum(r["restarts"] for r in rows if r["name"] == "crashy")
    return sum(r["pm2_env"]["restart_time"] for r in rows if r["name"] == "crashy")


def measure(h, manager, script):
    """(requests, failed, crashes) of one load."""
    wait_port_free(PORT)
    h.run(manager, "start", script, "-i", "2", "--name", "crashy")
    try:
        h.wait_online(manager, "crashy", 2)
        wait_port(PORT)
        before = restarts(h, manager)
        load = start_load("ab", PORT, CONCURRENCY, SECONDS)
        began = time.monotonic()
        total, failed = load_failures("ab", load)
        if isinstance(failed, int) and time.monotonic() - began < SECONDS - 0.5:
            raise SystemExit(f"{manager}: ab ended {time.monotonic() - began:.1f} s in")
        h.wait_online(manager, "crashy", 2)
        crashes = restarts(h, manager) - before
        if crashes < 1:
            raise SystemExit(f"{manager}: no crash in {SECONDS} s; the app did not run as meant")
        return total, failed, crashes
    finally:
        h.run(manager, "delete", "crashy")
        wait_port_free(PORT)


def main():
    ensure_tools(["apache2-utils"])
    print_header()
    managers = [(f"pm {label}", pm) for label, pm in builds()] + [("PM2", PM2)]
    homes = {name: Homes(binary if name != "PM2" else builds()[0][1]).__enter__()
             for name, binary in managers}
    results = {}  # manager -> [(requests, failed, crashes)]
    try:
        script = os.path.join(homes["PM2"].dir, "crashy.js")
        with open(script, "w") as f:
            f.write(APP)
        for run in range(RUNS):
            for name, _ in managers:
                figures = measure(homes[name], "PM2" if name == "PM2" else "pm", script)
                results.setdefault(name, []).append(figures)
                print(f"  run {run + 1} {name:7} {figures[1]} failed of {figures[0]}, "
                      f"{figures[2]} crashes", file=sys.stderr, flush=True)
    finally:
        for h in homes.values():
            h.__exit__(None, None, None)

    print(f"\n{'manager':8} {'requests':>24} {'crashes':>14} {'failed':>22} "
          f"{'failed per crash':>22}")
    aborts, table = [], []
    for name, runs in results.items():
        per_crash = [f / c for _, f, c in runs if isinstance(f, int)]
        table.append(f"{name:8} {spread([t for t, _, _ in runs], '.0f'):>24} "
                     f"{spread([c for _, _, c in runs], '.0f'):>14} "
                     f"{failed_cell([(t, f) for t, f, _ in runs]):>22} "
                     f"{spread(per_crash, '.1f') if len(per_crash) == len(runs) else '-':>22}")
        print(table[-1])
        aborts += [f"{name}: {f}" for _, f, _ in runs if isinstance(f, str)]
    for line in aborts:
        print(line)
    save_chart("crashes", "\n".join(table))
    print(f"\n(median and range of {RUNS} interleaved runs of ab -c{CONCURRENCY} -t{SECONDS}; "
          f"2 instances, each exiting on a request {LIFE_MIN}-{LIFE_MAX} s after it started, "
          "that request unanswered; crashes: the manager's restart count over the load; "
          "failed: ab's failed requests (the request that triggers a crash included: the bar "
          "is 1 per crash); 'ab aborted': ab stopped at a refused or reset connection)")


if __name__ == "__main__":
    main()
